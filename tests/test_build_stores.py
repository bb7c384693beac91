"""``essforge build --crawl-store A --crawl-store B``: the crawl stores of several machines (one
``--redis`` crawl, each machine with its own ``--state``) merged into one registry."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from crawler.fakeforge import FakeForge
from crawler.store import SCHEMA
from registry.build import CrawlData, build
from registry.cli import cli
from registry.errors import BuildError
from test_crawler import ESSFORGE, TOKEN, rows
from test_crawler_redis import api_fetches, crawl_command, redis_url, registry  # noqa: F401 (a fixture)

MONNAIE = {
    "name": "monnaie-locale",
    "description": "Gestion d'une monnaie locale complémentaire et citoyenne pour les associations",
    "licence": "GPL-3.0",
    "topics": ["monnaie-locale"],
    "relevance": "listed",
    "inferred_sectors": [["community-currency", 4.0]],
    "stars": 3,
}


def make_store(path: Path, repositories=(), aliases=(), history=(), runs=()) -> Path:
    """A crawl store with the crawler's own schema (crawler/store.py) and the rows given."""
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    for repo in repositories:
        row = {"forge_id": "gh", "forge_type": "github", "full_name": None, "content_hash": "x",
               "first_seen": "2026-10-01T10:00:00Z", "last_changed": None, "skipped_reason": None,
               "last_run": 1, **repo}
        row["data"] = json.dumps(row.get("data", {}))
        row["full_name"] = row["full_name"] or row["url"].split("/", 3)[3]
        conn.execute(f"insert into repositories ({', '.join(row)}) values ({', '.join('?' * len(row))})",
                     list(row.values()))
    conn.executemany("insert into repository_aliases (alias_url, url) values (?, ?)", aliases)
    for item in history:
        conn.execute(f"insert into history ({', '.join(item)}) values ({', '.join('?' * len(item))})",
                     list(item.values()))
    for run in runs:
        run = {"forges": '["gh"]', "status": "finished", **run}
        conn.execute(f"insert into crawl_runs ({', '.join(run)}) values ({', '.join('?' * len(run))})",
                     list(run.values()))
    conn.commit()
    conn.close()
    return path


URL = "https://github.com/other/monnaie-locale"


# ---------------------------------------------------------------------------------- merge rules


def test_newest_last_seen_wins_then_last_changed_then_the_first_store(tmp_path):
    a = make_store(tmp_path / "a.db", [
        {"url": URL, "data": {"stars": 1}, "last_seen": "2026-10-30T10:00:00Z", "first_seen": "2026-09-01T00:00:00Z"},
        {"url": "https://github.com/x/tie", "data": {"stars": 1}, "last_seen": "2026-10-30T10:00:00Z",
         "last_changed": "2026-10-20T00:00:00Z"},
        {"url": "https://github.com/x/same", "data": {"stars": 1}, "last_seen": "2026-10-30T10:00:00Z",
         "last_changed": "2026-10-20T00:00:00Z"},
        {"url": "https://github.com/x/only-a", "data": {"stars": 7}, "last_seen": "2026-01-01T00:00:00Z"},
    ])
    b = make_store(tmp_path / "b.db", [
        {"url": URL, "data": {"stars": 2}, "last_seen": "2026-10-31T10:00:00Z", "first_seen": "2026-10-31T10:00:00Z"},
        {"url": "https://github.com/x/tie", "data": {"stars": 2}, "last_seen": "2026-10-30T10:00:00Z",
         "last_changed": "2026-10-25T00:00:00Z"},
        {"url": "https://github.com/x/same", "data": {"stars": 2}, "last_seen": "2026-10-30T10:00:00Z",
         "last_changed": "2026-10-20T00:00:00Z"},
    ])
    for order in ([a, b], [b, a]):
        data = CrawlData.merge(order)
        assert data.repositories[URL]["data"] == {"stars": 2}  # newest last_seen
        assert data.repositories[URL]["first_seen"] == "2026-09-01T00:00:00Z"  # the earliest of all
        assert data.repositories["https://github.com/x/tie"]["data"] == {"stars": 2}  # larger last_changed
        assert data.repositories["https://github.com/x/only-a"]["data"] == {"stars": 7}
    # A full tie: the store named first.
    assert CrawlData.merge([a, b]).repositories["https://github.com/x/same"]["data"] == {"stars": 1}
    assert CrawlData.merge([b, a]).repositories["https://github.com/x/same"]["data"] == {"stars": 2}
    # One store reads exactly as before.
    assert CrawlData.merge([a]) == CrawlData.load(a)


def test_aliases_and_history_are_united(tmp_path):
    old, new = "https://github.com/old/name", "https://github.com/new/name"
    a = make_store(
        tmp_path / "a.db",
        [{"url": URL, "data": {}, "last_seen": "2026-10-01T00:00:00Z"},
         {"url": new, "data": {}, "last_seen": "2026-10-01T00:00:00Z"}],
        aliases=[("https://gitlab.com/mirror/monnaie", URL), (old, URL)],
        history=[{"url": URL, "date": "2026-09-01", "stars": 1}, {"url": URL, "date": "2026-10-01", "stars": 2}],
    )
    b = make_store(
        tmp_path / "b.db",
        [{"url": URL, "data": {}, "last_seen": "2026-10-31T00:00:00Z"},
         {"url": new, "data": {}, "last_seen": "2026-10-31T00:00:00Z"}],
        aliases=[(old, new)],  # seen later: the repository was renamed
        history=[{"url": URL, "date": "2026-10-01", "stars": 5}, {"url": URL, "date": "2026-10-31", "stars": 6}],
    )
    data = CrawlData.merge([a, b])
    assert data.aliases == {"https://gitlab.com/mirror/monnaie": URL, old: new}
    assert data.find(old) is data.repositories[new]
    assert data.repositories[URL]["data"]["aliases"] == ["https://gitlab.com/mirror/monnaie"]
    # Deduplicated by (url, date); on a conflict the store with the newer repository row wins.
    assert [(h["date"], h["stars"]) for h in data.history] == [("2026-09-01", 1), ("2026-10-01", 5), ("2026-10-31", 6)]
    assert CrawlData.merge([b, a]).history == data.history


def test_runs_of_one_redis_generation_become_one(tmp_path):
    key = "redis://127.0.0.1:6379/0:g3"
    a = make_store(tmp_path / "a.db", runs=[
        {"id": 1, "started_at": "2026-10-01T10:00:00Z", "finished_at": "2026-10-01T11:00:00Z", "requests": 10},
        {"id": 2, "started_at": "2026-10-30T10:00:05Z", "finished_at": "2026-10-30T10:30:00Z", "run_key": key,
         "requests": 100, "responses_304": 90, "projects_new": 4, "errors": 1},
    ])
    b = make_store(tmp_path / "b.db", runs=[
        {"id": 1, "started_at": "2026-10-30T10:00:00Z", "finished_at": "2026-10-30T10:20:00Z", "run_key": key,
         "requests": 50, "responses_304": 40, "projects_new": 2, "forges": '["gl"]'},
        {"id": 2, "started_at": "2026-10-31T10:00:00Z", "status": "running", "requests": 3},
    ])
    data = CrawlData.merge([a, b])
    summary = [(r["id"], r["started_at"], r["finished_at"], r["status"], r["requests"], r["responses_304"],
                r["projects_new"], r["errors"], r["forges"]) for r in data.crawl_runs]
    assert summary == [
        (1, "2026-10-01T10:00:00Z", "2026-10-01T11:00:00Z", "finished", 10, 0, 0, 0, '["gh"]'),
        (2, "2026-10-30T10:00:00Z", "2026-10-30T10:30:00Z", "finished", 150, 130, 6, 1, '["gh", "gl"]'),
        (3, "2026-10-31T10:00:00Z", None, "running", 3, 0, 0, 0, '["gh"]'),
    ]
    assert CrawlData.merge([b, a]).crawl_runs == data.crawl_runs
    # Finished only when every store says so.
    c = make_store(tmp_path / "c.db", runs=[{"id": 1, "started_at": "2026-10-30T10:01:00Z", "run_key": key,
                                             "status": "interrupted"}])
    assert CrawlData.merge([a, b, c]).crawl_runs[1]["status"] == "interrupted"


def test_build_merges_stores_into_one_registry(tmp_path):
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    a = make_store(tmp_path / "a.db", [{"url": URL, "data": MONNAIE, "last_seen": "2026-10-30T10:00:00Z"}],
                   runs=[{"id": 1, "started_at": "2026-10-30T10:00:00Z", "finished_at": "2026-10-30T10:05:00Z"}])
    b = make_store(
        tmp_path / "b.db",
        [{"url": URL, "data": {**MONNAIE, "licence": "AGPL-3.0-only", "stars": 5}, "last_seen": "2026-10-31T10:00:00Z"},
         {"url": "https://github.com/other/velo-coop", "last_seen": "2026-10-31T10:00:00Z",
          "data": {**MONNAIE, "name": "velo-coop", "description": "Gestion d'une coopérative de vélos"}}],
        runs=[{"id": 1, "started_at": "2026-10-31T10:00:00Z", "finished_at": "2026-10-31T10:05:00Z"}],
    )
    db = tmp_path / "essforge.db"
    result = CliRunner().invoke(cli, ["build", "--db", str(db), "--submissions", str(submissions),
                                      "--crawl-store", str(a), "--crawl-store", str(b)])
    assert result.exit_code == 0, result.output
    assert "2 from the crawl" in result.output
    assert [tuple(r.values()) for r in rows(db, "select id, licence, stars from projects order by id")] == [
        ("other-monnaie-locale", "AGPL-3.0-only", 5), ("other-velo-coop", "GPL-3.0", 3)]
    assert [tuple(r.values()) for r in rows(db, "select id, started_at from crawl_runs order by id")] == [
        (1, "2026-10-30T10:00:00Z"), (2, "2026-10-31T10:00:00Z")]
    assert build(tmp_path / "again.db", submissions_dir=submissions, crawl_store=[a, b]).crawled == 2


# ---------------------------------------------------------------------------------- errors


def test_a_missing_store_named_on_the_command_line_is_an_error(tmp_path):
    a = make_store(tmp_path / "a.db")
    missing = tmp_path / "from-machine-2.db"
    for args in (["--crawl-store", str(missing)], ["--crawl-store", str(a), "--crawl-store", str(missing)]):
        result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "x.db"), *args])
        assert result.exit_code == 1
        assert result.output == f"Error: --crawl-store {missing}: no such file\n"
    assert not (tmp_path / "x.db").exists()
    with pytest.raises(BuildError, match=f"^{missing}: crawl store not found$"):
        CrawlData.merge([a, missing])


def test_a_file_that_is_not_a_crawl_store_is_an_error(tmp_path):
    a = make_store(tmp_path / "a.db")
    text = tmp_path / "notes.db"
    text.write_bytes(b"this is not sqlite" * 100)
    registry_db = tmp_path / "essforge.db"
    submissions = tmp_path / "submissions"
    submissions.mkdir()
    build(registry_db, submissions_dir=submissions, crawl_store=tmp_path / "none.db")
    cases = {
        text: f"Error: {text}: cannot read the crawl store: file is not a database\n",
        registry_db: f"Error: {registry_db}: not a crawl store (no repositories table with url, data and"
                     " last_seen columns); give the file named by `essforge crawl --state`, not the registry"
                     " database\n",
    }
    for bad, message in cases.items():
        result = CliRunner().invoke(cli, ["build", "--db", str(tmp_path / "out.db"), "--submissions",
                                          str(submissions), "--crawl-store", str(a), "--crawl-store", str(bad)])
        assert result.exit_code == 1
        assert result.output == message
        assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "out.db").exists()


# ---------------------------------------------------------------------------------- a real split crawl


@pytest.mark.redis
def test_a_crawl_split_over_two_stores_builds_the_single_process_registry(tmp_path, redis_url):  # noqa: F811
    single, split = tmp_path / "single", tmp_path / "split"
    single.mkdir()
    split.mkdir()
    env = {**os.environ, "ESSFORGE_TEST_TOKEN": TOKEN}
    with FakeForge(repos=40, seed=3) as ff:
        subprocess.run(crawl_command(single, ff, token_env="ESSFORGE_TEST_TOKEN"), check=True, capture_output=True,
                       timeout=300, env=env)
        ff.reset_stats()
        ff.set_latency(100)  # spreads the work over both processes
        # Two "machines": one Redis, one forge, each process its own crawl store.
        commands = [crawl_command(split, ff, "--redis", redis_url, "--no-build", "--concurrency", "1",
                                  "--state", str(split / f"{name}.db"), token_env="ESSFORGE_TEST_TOKEN")
                    for name in ("a", "b")]
        processes = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                     for c in commands]
        try:
            outputs = [p.communicate(timeout=300) for p in processes]
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        fetches = api_fetches(ff.stats())
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, out + err[-4000:]
    assert not (split / "essforge-crawl.db").exists()
    # The work really was split: neither store holds every repository (a fork listed twice may be
    # in both: such rows are the same and the merge keeps one).
    stored = [{r["url"] for r in rows(split / f"{name}.db", "select url from repositories")} for name in ("a", "b")]
    single_urls = {r["url"] for r in rows(single / "essforge-crawl.db", "select url from repositories")}
    assert stored[0] | stored[1] == single_urls
    assert all(urls < single_urls for urls in stored), [len(urls) for urls in stored]
    # Either store alone gives a partial registry; both together give the single-process one.
    result = subprocess.run([*ESSFORGE, "build", "--db", str(split / "essforge.db"), "--submissions",
                             str(split / "submissions"), "--crawl-store", str(split / "a.db"), "--crawl-store",
                             str(split / "b.db")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert registry(split / "essforge.db") == registry(single / "essforge.db")
    subprocess.run([*ESSFORGE, "build", "--db", str(split / "a-only.db"), "--submissions", str(split / "submissions"),
                    "--crawl-store", str(split / "a.db")], check=True, capture_output=True, timeout=120)
    assert registry(split / "a-only.db") != registry(single / "essforge.db")
    # One crawl run shared by the two stores: its requests are what both processes sent.
    counts = [int(err.split("This process sent ")[1].split()[0]) for _, err in outputs]
    assert all(n > 0 for n in counts), counts
    runs = rows(split / "essforge.db", "select id, status, requests from crawl_runs")
    assert runs == [{"id": 1, "status": "finished", "requests": sum(counts)}]
    assert sum(counts) == sum(fetches.values())
