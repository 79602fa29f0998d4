from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from client.sync_lock import SyncBusy, sync_lock


def test_a_second_sync_of_the_same_home_is_refused_at_once(tmp_path: Path) -> None:
    with sync_lock(tmp_path), pytest.raises(SyncBusy), sync_lock(tmp_path):
        pass
    with sync_lock(tmp_path):  # free again
        pass


def test_the_lock_is_held_across_processes(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom pathlib import Path\nfrom client.sync_lock import sync_lock, SyncBusy\n"
        "try:\n    with sync_lock(Path(sys.argv[1])):\n        print('got it')\n"
        "except SyncBusy:\n    print('busy')\n"
    )
    root = Path(__file__).resolve().parents[2]
    with sync_lock(tmp_path):
        out = subprocess.run(
            [sys.executable, "-c", code, str(tmp_path)], cwd=root, capture_output=True, text=True
        )
    assert out.stdout.strip() == "busy"
