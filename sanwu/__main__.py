"""``python -m sanwu ...``: the same as the ``sanwu`` command."""

from __future__ import annotations

import sys

from sanwu import main

if __name__ == "__main__":
    sys.exit(main())
