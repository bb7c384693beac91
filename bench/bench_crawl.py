"""Crawl cost, speed and memory against the fake forge (issue 4 §9).

    python bench/bench_crawl.py [--repos 2100] [--latency-ms 50] [--concurrency 4] [--rss-repos 20000]
    python bench/bench_crawl.py --repos 300 --rss-repos 0      # a quick run

Prints, measured in this one run (the fake forge runs in its own process, FakeForgeProcess, so
that it does not share the GIL with Scrapy; the crawl runs as ``essforge crawl`` in a child):

- API requests per project on a first crawl (target: at most 4 on average) and on a recrawl;
- the share of recrawl requests answered 304 when nothing changed (target: at least 95%);
- the crawl's wall time divided by the concurrency bound, requests x latency / concurrency, with
  the injected latency (target: at most 1.5). The three forges are crawled at once, each by its
  own crawler with ``--concurrency`` requests in flight (on real forges they are three hosts), so
  the concurrency is ``--concurrency`` x 3;
- the peak RSS of a crawl of ``--rss-repos`` repositories (``ru_maxrss`` of the crawl process,
  from ``os.wait4``; target: at most 400 MB), without injected latency.

``--repos`` and ``--rss-repos`` count repositories over the three forges. The sources file lists
every owner of the generated world (``orgs:``), so discovery finds every repository.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FORGES = ("github", "gitlab", "gitea")
ESSFORGE = str(Path(sys.executable).with_name("essforge"))
TARGETS = {"first": 4.0, "share_304": 0.95, "ratio": 1.5, "rss_mb": 400.0}


def write_sources(path: Path, ff) -> None:
    lines = ["forges:"]
    apis = {"github": ff.github_api, "gitlab": ff.gitlab_api, "gitea": ff.gitea_api}
    webs = {"github": "https://github.com", "gitlab": "https://gitlab.example", "gitea": "https://codeberg.example"}
    for forge in FORGES:
        owners = sorted({r["full_name"].split("/")[0] for r in ff.repos(forge)})
        lines += [f"  - id: {forge}", f"    type: {forge}", f"    api_url: {apis[forge]}",
                  f"    web_url: {webs[forge]}", f"    orgs: {json.dumps(owners)}"]
    path.write_text("\n".join(lines) + "\n")


def crawl(tmp: Path, concurrency: int, settings: list[str] = ()) -> dict:
    """``essforge crawl`` in a child process; its summary, wall time and peak RSS."""
    (tmp / "submissions").mkdir(exist_ok=True)
    argv = [ESSFORGE, "crawl", "--sources", str(tmp / "sources.yml"), "--db", str(tmp / "essforge.db"),
            "--submissions", str(tmp / "submissions"), "--concurrency", str(concurrency), "--no-build"]
    for pair in settings:
        argv += ["-s", pair]
    started = time.perf_counter()
    with open(tmp / "crawl.out", "w") as out, open(tmp / "crawl.err", "w") as err:
        process = subprocess.Popen(argv, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    text = (tmp / "crawl.out").read_text()
    if process.returncode != 0:
        sys.exit(f"essforge crawl failed ({process.returncode}):\n{text}\n{(tmp / 'crawl.err').read_text()[-3000:]}")
    found = re.search(r"finished in ([0-9.]+) s", text)
    return {"crawl_seconds": float(found.group(1)) if found else seconds, "process_seconds": seconds,
            "rss_mb": usage.ru_maxrss / 1024, "summary": text.strip()}


def projects(tmp: Path) -> int:
    conn = sqlite3.connect(tmp / "essforge-crawl.db")
    try:
        return conn.execute("select count(*) from repositories").fetchone()[0]
    finally:
        conn.close()


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    from crawler.fakeforge import FakeForgeProcess

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=2100, help="repositories over the three forges (timed crawl)")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight per forge")
    parser.add_argument("--rss-repos", type=int, default=20000, help="repositories for the RSS run (0: skip it)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--setting", "-s", action="append", default=[], metavar="NAME=VALUE",
                        help="passed to essforge crawl (to try a Scrapy setting)")
    args = parser.parse_args(argv)
    results: list[tuple[str, str, bool]] = []

    with tempfile.TemporaryDirectory(prefix="essforge-bench-crawl-") as folder:
        tmp = Path(folder) / "timed"
        tmp.mkdir()
        per_forge = math.ceil(args.repos / 3)
        print(f"fake forge: {per_forge} repositories per forge, {args.latency_ms:g} ms latency; "
              f"--concurrency {args.concurrency} per forge", flush=True)
        with FakeForgeProcess(repos=per_forge, seed=args.seed, latency_ms=args.latency_ms) as ff:
            write_sources(tmp / "sources.yml", ff)
            ff.reset_stats()
            first = crawl(tmp, args.concurrency, args.setting)
            first_stats = ff.stats()
            n = projects(tmp)
            ff.reset_stats()
            again = crawl(tmp, args.concurrency, args.setting)
            again_stats = ff.stats()
        print(first["summary"].splitlines()[0])
        print(again["summary"].splitlines()[0])

        per_project = first_stats["requests"] / n
        results.append((f"first crawl: {first_stats['requests']} API requests for {n} projects = "
                        f"{per_project:.2f} per project (target <= {TARGETS['first']:g})",
                        "first", per_project <= TARGETS["first"]))
        print(f"recrawl: {again_stats['requests']} API requests = {again_stats['requests'] / n:.2f} per project")
        share = again_stats["not_modified"] / again_stats["requests"] if again_stats["requests"] else 0.0
        results.append((f"recrawl answered 304: {again_stats['not_modified']}/{again_stats['requests']} = "
                        f"{100 * share:.1f}% (target >= {100 * TARGETS['share_304']:g}%)",
                        "share_304", share >= TARGETS["share_304"]))
        concurrency = args.concurrency * len(FORGES)
        bound = first_stats["requests"] * args.latency_ms / 1000 / concurrency
        ratio = first["crawl_seconds"] / bound
        results.append((f"first crawl wall time {first['crawl_seconds']:.1f} s (process {first['process_seconds']:.1f} s)"
                        f" / bound {first_stats['requests']} x {args.latency_ms:g} ms / {concurrency} = {bound:.1f} s"
                        f" -> {ratio:.2f} (target <= {TARGETS['ratio']:g}); fake forge max in flight "
                        f"{first_stats.get('max_in_flight')}", "ratio", ratio <= TARGETS["ratio"]))
        results.append((f"recrawl wall time {again['crawl_seconds']:.1f} s", "", True))

        if args.rss_repos:
            tmp = Path(folder) / "rss"
            tmp.mkdir()
            per_forge = math.ceil(args.rss_repos / 3)
            with FakeForgeProcess(repos=per_forge, seed=args.seed, latency_ms=0) as ff:
                write_sources(tmp / "sources.yml", ff)
                big = crawl(tmp, args.concurrency, args.setting)
                requests = ff.stats()["requests"]
            n = projects(tmp)
            results.append((f"peak RSS of a crawl of {n} repositories ({requests} requests, "
                            f"{big['crawl_seconds']:.0f} s): {big['rss_mb']:.0f} MB (target <= {TARGETS['rss_mb']:g} MB)",
                            "rss_mb", big["rss_mb"] <= TARGETS["rss_mb"]))

    missed = 0
    for line, key, ok in results:
        if key:
            missed += not ok
            print(f"{verdict(ok):6} {line}")
        else:
            print(f"       {line}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
