"""bulletin-press send: the issue by e-mail, one message per member, exactly once."""
