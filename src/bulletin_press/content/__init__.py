"""Content: the frozen model, the block registry, the YAML loader and inline markup."""
