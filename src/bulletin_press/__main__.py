"""Run the command line as `python -m bulletin_press`."""

import sys

from .cli import main

sys.exit(main())
