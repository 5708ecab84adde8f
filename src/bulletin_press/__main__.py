"""Run the command line as `python -m bulletin_press`."""

from .commands.cli import run

run()
