"""`bulletin-press preview`: the live preview server and its first look at a changed page."""
