"""``python -m examples.toycpu [QEMU options]``."""

import sys

from examples.toycpu.cpu import main

sys.exit(main())
