"""The Lambda example, run the way Lambda runs it: a fresh interpreter per cold start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "worker_examples" / "lambda"

COLD_START = """
import json, handler
print(json.dumps(handler.handler({"path": "/x"}, None)))
"""


def cold_start(db: Path) -> dict[str, object]:
    env = dict(os.environ, APP_DATABASE=str(db), PYTHONPATH=f"{EXAMPLE}{os.pathsep}{ROOT}")
    out = subprocess.run(
        [sys.executable, "-c", COLD_START], env=env, capture_output=True, text=True, check=True
    )
    response = json.loads(out.stdout.strip().splitlines()[-1])
    assert response["statusCode"] == 200
    body: dict[str, object] = json.loads(response["body"])
    return body


def test_first_cold_start_syncs_then_later_ones_are_up_to_date(tmp_path: Path) -> None:
    db = tmp_path / "app.db"
    first = cold_start(db)
    assert first["sync_status"] == "synced"
    second = cold_start(db)
    assert second["sync_status"] == "up-to-date"
    assert second["visits"] == 2
