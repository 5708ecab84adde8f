"""bulletin-press: bulletins and newsletters from YAML to house-style PDF."""

__version__ = "0.1.0"
