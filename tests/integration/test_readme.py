"""The README's library example runs as written (against the test session's endpoint)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from services.settings import Settings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_library_example_runs(settings: Settings) -> None:
    block = re.search(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    assert block is not None
    code = block.group(1).replace("http://127.0.0.1:8001", str(settings.endpoint_url))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].endswith(" 25.50")
    assert "DEBIT" in lines[1]
    assert "25.50" in lines[1]
    assert lines[2] == "['carol']"
    assert lines[3].startswith("INSUFFICIENT_FUNDS amount ")
