"""Registry build rate against a plain ``sqlite3`` ``executemany``, and the build's peak memory.

    python bench/bench_build.py [--projects 100000]

Prints, measured in this one run:
- the build rate (projects/s) of ``registry.build.build_database`` on synthetic records: merge,
  licence normalisation, maturity, join tables, indexes and the full-text index;
- the rate of a plain ``executemany`` of the same project rows into a table with the same columns;
- their ratio (target: at least 0.25);
- the peak RSS of the build, measured in a child process (target: under 500 MB);
- where the build's time goes (rows made in Python, SQLite writing them, indexes, full-text
  index), each in multiples of the plain executemany, so the run shows which phase stands
  between the build and its target;
- the time of plain ``sqlite3`` writing the whole same database (every table, the same indexes
  and full-text index) and the build's rate against it.
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


def raw_sql_seconds(db_path: Path) -> float:
    """Time plain ``sqlite3`` writing the same database: every table's rows with ``executemany``,
    then the same indexes, full-text index and statistics, in SQL alone. This is the SQLite work
    of the build without any of its Python; the build's time over it is what Python adds."""
    source = sqlite3.connect(db_path)
    objects = source.execute(
        "select type, name, sql from sqlite_master where sql is not null and name not like 'projects_fts_%'"
        " and name != 'sqlite_stat1' order by rowid"
    ).fetchall()
    tables = [(name, sql) for kind, name, sql in objects if kind == "table" and not sql.upper().startswith("CREATE VIRTUAL")]
    later = [sql for kind, name, sql in objects if kind == "index" or sql.upper().startswith("CREATE VIRTUAL")]
    rows = {name: source.execute(f"select * from [{name}]").fetchall() for name, _ in tables}
    source.close()
    target_path = db_path.with_name("raw.db")
    target = sqlite3.connect(target_path, isolation_level=None)
    started = time.perf_counter()
    for pragma in ("journal_mode = off", "synchronous = off", "cache_size = -65536"):
        target.execute(f"pragma {pragma}")
    for name, sql in tables:
        target.execute(sql)
    target.execute("begin")
    for name, _ in tables:
        if rows[name]:
            placeholders = ", ".join("?" for _ in rows[name][0])
            target.executemany(f"insert into [{name}] values ({placeholders})", rows[name])
    target.execute("commit")
    for sql in later:
        target.execute(sql)
    target.execute("insert into projects_fts(projects_fts) values ('rebuild')")
    target.execute("insert into projects_fts(projects_fts) values ('optimize')")
    target.execute("pragma analysis_limit = 1000")
    target.execute("analyze")
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
    report = build_database(data, CrawlData.empty(), out, today=date(2026, 11, 1))
    seconds = time.perf_counter() - started
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "rss_before_kb": rss_before, "rss_peak_kb": rss_peak, "phases": report.phases}))


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
        raw = raw_sql_seconds(db_path)
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
    phases = result["phases"]
    print("where the build's time goes, in multiples of the plain executemany:")
    for name, label in (("rows", "merging and making rows (Python)"), ("writing", "SQLite storing the rows"),
                        ("indexes", "indexes"), ("full_text", "full-text index"), ("statistics", "planner statistics")):
        print(f"  {label + ':':34}{phases.get(name, 0):6.2f} s  {phases.get(name, 0) / plain:5.2f} x")
    print(f"  {'(the target allows in all:)':34}{4 * plain:6.2f} s  {4:5.2f} x")
    print(f"plain sqlite3 writing the same database (every table, indexes, full-text): {raw:.2f} s")
    print(f"build rate / that rate:        {raw / result['seconds']:.2f}  (what the build's Python costs over SQLite's own work)")
    print(f"highest build rate / executemany rate this database allows (SQLite's work alone, no Python): {plain / raw:.2f}")


if __name__ == "__main__":
    main()
