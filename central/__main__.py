"""``python -m central ...``: the same commands as ``sanwu central ...`` (central.cli)."""

from __future__ import annotations

import sys

from central.cli import main

if __name__ == "__main__":
    sys.exit(main())
