"""Registry build rate against a plain ``sqlite3`` ``executemany``, and the build's peak memory.

    python bench/bench_build.py [--projects 100000]

Prints, measured in this one run:
- the build rate (projects/s) of ``registry.build.build_database`` on synthetic records: merge,
  licence normalisation, maturity, join tables, indexes and the full-text index;
- the rate of a plain ``executemany`` of the same project rows into a table with the same columns;
- their ratio (target: at least 0.25);
- the peak RSS of the build, measured in a child process (target: under 500 MB).
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def plain_insert_seconds(db_path: Path) -> float:
    """Time an executemany of the built projects rows into a fresh table with the same columns."""
    source = sqlite3.connect(db_path)
    columns = [r[1] for r in source.execute("pragma table_info(projects)")]
    rows = source.execute("select * from projects").fetchall()
    source.close()
    target_path = db_path.with_name("plain.db")
    target = sqlite3.connect(target_path)
    target.execute(f"create table projects ({', '.join(f'[{c}]' for c in columns)})")
    placeholders = ", ".join("?" for _ in columns)
    started = time.perf_counter()
    with target:
        target.executemany(f"insert into projects values ({placeholders})", rows)
    seconds = time.perf_counter() - started
    target.close()
    return seconds


def child(n: int, out: Path) -> None:
    """Run in a child process: generate, build, report time and peak RSS as JSON."""
    from synthetic import records

    from registry.build import CrawlData, build_database

    data = records(n)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    build_database(data, CrawlData.empty(), out, today=date(2026, 11, 1))
    seconds = time.perf_counter() - started
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rss_before_kb": rss_before, "rss_peak_kb": rss_peak}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.projects, args.child)
        return
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "essforge.db"
        out = subprocess.run(
            [sys.executable, __file__, "--projects", str(args.projects), "--child", str(db_path)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        plain = plain_insert_seconds(db_path)
    n = args.projects
    build_rate = n / result["seconds"]
    plain_rate = n / plain
    ratio = build_rate / plain_rate
    peak_mb = result["rss_peak_kb"] / 1024
    print(f"projects:                     {n:,}")
    print(f"build:                        {result['seconds']:.2f} s  ({build_rate:,.0f} projects/s)")
    print(f"plain executemany:            {plain:.2f} s  ({plain_rate:,.0f} rows/s)")
    print(f"build rate / executemany rate: {ratio:.2f}  (target >= 0.25: {'met' if ratio >= 0.25 else 'MISSED'})")
    print(f"peak RSS of the build process: {peak_mb:.0f} MB (records alone: {result['rss_before_kb'] / 1024:.0f} MB; target < 500 MB: {'met' if peak_mb < 500 else 'MISSED'})")


if __name__ == "__main__":
    main()
