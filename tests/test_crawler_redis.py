"""``essforge crawl --redis``: two crawl processes share one frontier through a real redis-server
on 127.0.0.1, started by the test (installed by .ci/run)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crawler.fakeforge import FakeForge
from test_crawler import ESSFORGE, SUBMISSION, TOKEN, rows, write_sources

pytestmark = pytest.mark.redis

REDIS_SERVER = shutil.which("redis-server")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A throwaway redis-server on a free 127.0.0.1 port, no persistence, killed afterwards."""
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed (.ci/run installs it with apt-get)")
    import redis

    folder = tmp_path / "redis"
    folder.mkdir()
    for _ in range(5):
        port = free_port()  # a race with another process is possible: try another port then
        process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and process.poll() is None:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        if process.poll() is None:
            break
    else:  # pragma: no cover
        pytest.fail("could not start redis-server on a free port")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=10)


def crawl_command(tmp: Path, ff, *args: str, db: str = "essforge.db", token_env: str | None = None) -> list[str]:
    sources = tmp / "sources.yml"
    if not sources.exists():
        write_sources(sources, ff, token_env=token_env)
    submissions = tmp / "submissions"
    if not submissions.exists():
        submissions.mkdir()
        (submissions / "circuit-court.yml").write_text(SUBMISSION)
    return [*ESSFORGE, "crawl", "--sources", str(sources), "--db", str(tmp / db), "--state",
            str(tmp / "essforge-crawl.db"), "--submissions", str(submissions),
            "-s", "ESSFORGE_RETRY_BACKOFF_BASE=0.05", "-s", "DOWNLOAD_TIMEOUT=5", *args]


def registry(db: Path) -> list[tuple]:
    return [tuple(r.values()) for r in rows(
        db, "select id, origin, repository_url, licence, sector_ids, maturity, stars, contributors,"
            " releases_count, has_ci, relevance from projects order by id")]


def api_fetches(stats: dict) -> dict[str, int]:
    return {url: n for url, n in stats["by_url"].items() if not url.startswith("/_control")}


def test_two_processes_share_one_frontier(tmp_path, redis_url):
    import redis

    single = tmp_path / "single"
    shared = tmp_path / "shared"
    single.mkdir()
    shared.mkdir()
    env = {**os.environ, "ESSFORGE_TEST_TOKEN": TOKEN}
    with FakeForge(repos=40, seed=3) as ff:
        subprocess.run(crawl_command(single, ff, token_env="ESSFORGE_TEST_TOKEN"), check=True, capture_output=True,
                       timeout=300, env=env)
        alone = api_fetches(ff.stats())
        ff.reset_stats()
        # Latency spreads the work over both processes (otherwise one could finish the queue alone).
        ff.set_latency(100)
        commands = [crawl_command(shared, ff, "--redis", redis_url, "--no-build", "--concurrency", "1",
                                  token_env="ESSFORGE_TEST_TOKEN") for _ in range(2)]
        processes = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
                     for c in commands]
        try:
            # While they crawl, no request in the Redis queue carries the token.
            client = redis.Redis.from_url(redis_url)
            seen_queued = 0
            while any(p.poll() is None for p in processes):
                for key in client.keys("essforge:g*:*:requests"):
                    for value in client.zrange(key, 0, -1):
                        seen_queued += 1
                        assert TOKEN.encode() not in value
                        request = json.loads(value)
                        assert {name.lower() for name, _ in request["headers"]} \
                            .isdisjoint({"authorization", "private-token"}), request["headers"]
                time.sleep(0.05)
            outputs = [p.communicate(timeout=60) for p in processes]
        finally:
            for process in processes:  # never leave a crawl running after a failed assertion
                if process.poll() is None:
                    process.kill()
                    process.wait()
        for process, (out, err) in zip(processes, outputs):
            assert process.returncode == 0, out + err[-4000:]
            assert TOKEN not in out + err
            assert "Traceback" not in err and "ERROR" not in err and "Deprecat" not in err, err[-4000:]
        stats = ff.stats()
        shared_fetches = api_fetches(stats)
        # One generation, finished: its queue and filter are gone, nothing is left with the token.
        assert client.hget("essforge:crawl", "status") == b"finished"
        assert client.keys("essforge:g*") == []
        assert not any(TOKEN.encode() in (client.dump(k) or b"") for k in client.keys("*"))
    assert seen_queued > 0, "never saw a queued request: was the Redis queue used?"
    # Every API URL was fetched once in all (the shared filter), and the two processes fetched
    # together what one process fetches alone.
    duplicates = {url: n for url, n in shared_fetches.items() if n > 1}
    assert not duplicates
    assert shared_fetches.keys() == alone.keys()
    # Both did work.
    counts = [int(err.split("This process sent ")[1].split()[0]) for _, err in outputs]
    assert all(n > 0 for n in counts), counts
    assert sum(counts) == sum(shared_fetches.values())
    # One crawl run, shared by the two processes, finished by the last one.
    runs = rows(shared / "essforge-crawl.db", "select * from crawl_runs")
    assert [(r["status"], r["workers"]) for r in runs] == [("finished", 0)]
    assert runs[0]["requests"] == sum(counts)
    # The registry built from the shared store is the single-process one.
    subprocess.run([*ESSFORGE, "build", "--db", str(shared / "essforge.db"), "--crawl-store",
                    str(shared / "essforge-crawl.db"), "--submissions", str(shared / "submissions")],
                   check=True, capture_output=True, timeout=120)
    assert registry(shared / "essforge.db") == registry(single / "essforge.db")


def test_a_recrawl_starts_a_new_generation(tmp_path, redis_url):
    """The last crawl's fingerprints must not filter out the next one: it answers 304s instead."""
    with FakeForge(repos=10, seed=1) as ff:
        first = subprocess.run(crawl_command(tmp_path, ff, "--redis", redis_url, "--no-build"),
                               capture_output=True, text=True, timeout=300)
        assert first.returncode == 0, first.stderr[-3000:]
        assert "Shared crawl g1 (new)" in first.stderr
        requests = ff.stats()["requests"]
        ff.reset_stats()
        again = subprocess.run(crawl_command(tmp_path, ff, "--redis", redis_url, "--no-build"),
                               capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
        assert "Shared crawl g2 (new)" in again.stderr
        recrawl = ff.stats()
    assert recrawl["requests"] == requests
    assert recrawl["not_modified"] / recrawl["requests"] >= 0.95
    runs = rows(tmp_path / "essforge-crawl.db", "select id, status from crawl_runs order by id")
    assert runs == [{"id": 1, "status": "finished"}, {"id": 2, "status": "finished"}]


def test_unreachable_redis_is_a_clear_error(tmp_path):
    port = free_port()
    with FakeForge(repos=2, seed=0) as ff:
        result = subprocess.run(crawl_command(tmp_path, ff, "--redis", f"redis://user:hunter2@127.0.0.1:{port}/0"),
                                capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"Error: --redis: cannot use redis://127.0.0.1:{port}/0: ConnectionError" in result.stderr
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr
    result = subprocess.run(crawl_command(tmp_path, ff, "--redis", "http://127.0.0.1:1/"), capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 1 and "expected a redis://, rediss:// or unix:// URL" in result.stderr


def test_json_serializer_round_trip_and_no_class():
    from scrapy import Request
    from scrapy.utils.request import request_from_dict

    from crawler.distributed import JsonSerializer

    request = Request("https://api.example/repos/a/b/contents", headers={"Accept": "application/json"},
                      meta={"job": {"queue": [("releases", "https://x/r")], "facts": {"n": 1}}}, priority=-3)
    data = JsonSerializer.dumps(request.to_dict())
    back = request_from_dict(JsonSerializer.loads(data))
    assert back.url == request.url and back.priority == -3 and back.headers[b"Accept"] == b"application/json"
    assert back.meta["job"] == {"queue": [["releases", "https://x/r"]], "facts": {"n": 1}}
    # A class named by whoever wrote to the Redis is never imported.
    evil = json.loads(data)
    evil["_class"] = "os.system"
    assert "_class" not in JsonSerializer.loads(json.dumps(evil).encode())
    with pytest.raises(TypeError, match="JSON cannot carry"):
        JsonSerializer.dumps(Request("https://x/", meta={"thing": object()}).to_dict())


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-v"]))
