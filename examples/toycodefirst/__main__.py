"""``python -m examples.toycodefirst [--qmp PATH] [--hmp PATH] [-S]``."""

import sys

from examples.toycodefirst.thermostat import main

sys.exit(main())
