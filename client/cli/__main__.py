"""``python -m client.cli ...``: the client's commands alone (``sanwu`` adds central and demo)."""

from __future__ import annotations

import sys

from client.cli import main

if __name__ == "__main__":
    sys.exit(main())
