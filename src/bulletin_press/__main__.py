"""Run the command line as `python -m bulletin_press`."""

from .cli import run

run()
