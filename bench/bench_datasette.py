"""Time of a Datasette projects page (three default facets and a search) against its raw SQL.

    python bench/bench_datasette.py [--projects 100000] [--repeat 10]

Builds a synthetic registry, then times, in this one run:
- ``GET /essforge/projects?_search=…`` through ``datasette.client`` (HTML page, the three default
  facets from metadata.yml, our templates and plugins, our settings);
- the raw SQL that page needs, run with ``sqlite3`` on the same file: the count, the page of rows
  and the three facet queries.
Prints both medians and their ratio (target: at most 3).
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SEARCH = "cooperative"

RAW_SQL = [
    # count
    "select count(*) from projects where rowid in (select rowid from projects_fts where projects_fts match :q)",
    # rows
    "select * from projects where rowid in (select rowid from projects_fts where projects_fts match :q) order by name limit 51",
    # facet: licence
    "select licence as value, count(*) as count from (select * from projects where rowid in (select rowid from projects_fts where projects_fts match :q)) where licence is not null and licence != '' group by licence order by count desc, value limit 21",
    # facet: maturity
    "select maturity as value, count(*) as count from (select * from projects where rowid in (select rowid from projects_fts where projects_fts match :q)) where maturity is not null and maturity != '' group by maturity order by count desc, value limit 21",
    # facet: sector_ids (array)
    "select j.value as value, count(*) as count from (select * from projects where rowid in (select rowid from projects_fts where projects_fts match :q)) join json_each(sector_ids) j group by j.value order by count desc, value limit 21",
]


def time_raw(db_path: Path, repeat: int) -> float:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro&immutable=1", uri=True)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        for sql in RAW_SQL:
            conn.execute(sql, {"q": f'"{SEARCH}"'}).fetchall()
        timings.append(time.perf_counter() - started)
    conn.close()
    return statistics.median(timings)


async def time_page(db_path: Path, repeat: int) -> tuple[float, int]:
    from registry.site import make_datasette

    ds = make_datasette(db_path)
    await ds.invoke_startup()
    path = f"/essforge/projects?_search={SEARCH}"
    response = await ds.client.get(path)  # warm-up: templates compiled, schema cached
    assert response.status_code == 200, response.text[:300]
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = await ds.client.get(path)
        timings.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(timings), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    from synthetic import records

    from registry.build import CrawlData, build_database

    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "essforge.db"
        build_database(records(args.projects), CrawlData.empty(), db_path, today=date(2026, 11, 1))
        raw = time_raw(db_path, args.repeat)
        page, size = asyncio.run(time_page(db_path, args.repeat))
        raw_again = time_raw(db_path, args.repeat)
    raw = min(raw, raw_again)
    ratio = page / raw
    print(f"projects:            {args.projects:,}")
    print(f"raw SQL (5 queries): {raw * 1000:.1f} ms (median of {args.repeat})")
    print(f"Datasette page:      {page * 1000:.1f} ms (median of {args.repeat}, {size:,} bytes)")
    print(f"page / raw SQL:      {ratio:.2f}  (target <= 3: {'met' if ratio <= 3 else 'MISSED'})")


if __name__ == "__main__":
    main()
