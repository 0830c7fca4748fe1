"""The server does not load the export and statistics libraries until they are used: each costs
tens of MB in every server process (issue 8's memory target; bench/load/README.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

LAZY = ("weasyprint", "openpyxl", "scipy.stats", "scipy.optimize", "playwright")

SCRIPT = """
import sys
from app.config import Settings
from app.main import create_app
create_app(Settings(_env_file=None, data_dir=sys.argv[1]))
print(" ".join(m for m in sys.argv[2:] if m in sys.modules))
"""


def test_the_app_starts_without_the_export_and_statistics_libraries(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "data"), *LAZY],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert out.stdout.split() == [], out.stdout
