"""The benchmark scripts still run (at a small size; their figures are read at 100,000 by hand)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_build_prints_its_figures_and_the_phases():
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_build.py"), "--projects", "300"],
        capture_output=True, text=True, timeout=300, check=True,
    ).stdout
    assert "projects:                     300" in out
    for label in ("build rate / executemany rate:", "peak RSS of the build process:",
                  "merging and making rows (Python):", "SQLite storing the rows:", "full-text index:",
                  "plain sqlite3 writing the same database", "highest build rate / executemany rate"):
        assert label in out, label
