"""``python -m qmonitor``: same as the ``qmonitor`` console script."""

import sys

from qmonitor.cli import main

sys.exit(main())
