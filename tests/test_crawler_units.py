"""Crawler parts without a network: parsers on recorded forge answers, the Link parser, the
rate-limit and retry middlewares with a controllable clock, the store."""

from __future__ import annotations

import ast
import asyncio
import json
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.http import TextResponse
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler

from crawler.linkheader import last_page, parse_link_header
from crawler.middlewares import BackoffRetryMiddleware, get_clock, ForgeAuthMiddleware, RateLimitMiddleware
from crawler.sources import Forge
from crawler.spiders.base import BadAnswer, classify_files
from crawler.spiders.gitea import GiteaSpider, gitea_summary
from crawler.spiders.github import GitHubSpider, github_summary
from crawler.spiders.gitlab import GitLabSpider, gitlab_summary
from crawler.store import Store

# Real recorded forge answers, copied from the founders' shared/fixtures/forges (see its README.md).
FIXTURES = Path(__file__).resolve().parent / "data" / "forges"


def replay(name: str) -> list[dict]:
    """The exchanges of a PyGithub ReplayData file: 10 lines each (see the fixtures README)."""
    lines = (FIXTURES / "github" / name).read_text().splitlines()
    exchanges = []
    for i in range(0, len(lines) - 9, 11):
        chunk = lines[i:i + 10]
        exchanges.append({"path": chunk[4], "status": int(chunk[7]),
                          "headers": dict(ast.literal_eval(chunk[8])), "body": chunk[9]})
    return exchanges


def response(url: str, body: bytes | str, status: int = 200, headers: dict | None = None) -> TextResponse:
    if isinstance(body, str):
        body = body.encode()
    return TextResponse(url=url, body=body, status=status, headers=headers or {}, request=Request(url),
                        encoding="utf-8")


def forge(kind: str, **extra) -> Forge:
    return Forge(id=f"t-{kind}", type=kind, api_url=f"https://api.example/{kind}",
                 web_url=f"https://{kind}.example", **extra)


# ------------------------------------------------------------------------------------- parsers

def test_github_full_repository_object_from_recorded_answer():
    exchange = replay("Repository.setUp.txt")[0]
    summary = github_summary(json.loads(exchange["body"]), "https://api.github.com/repos/x")
    assert summary["full_name"] == "PyGithub/PyGithub"
    assert summary["web_url"] == "https://github.com/PyGithub/PyGithub"
    assert summary["fork"] is False and summary["archived"] is False and summary["mirror"] is False
    assert isinstance(summary["stars"], int) and isinstance(summary["forks"], int)
    assert summary["languages"] == ["Python"]


def test_github_contributors_count_from_link_last_page():
    exchange = next(e for e in replay("Repository.testGetContributors.txt") if "contributors" in e["path"])
    spider = GitHubSpider(forge=forge("github"))
    headers = {"Link": '<https://api.github.com/repositories/3544490/contributors?per_page=1&page=2>; rel="next", '
                       '<https://api.github.com/repositories/3544490/contributors?per_page=1&page=57>; rel="last"'}
    facts = spider.parse_step("contributors", response("https://api.github.com/x/contributors?per_page=1",
                                                       exchange["body"], headers=headers), None)
    assert facts == {"count": 57}
    # Without a Link header (one page), the count is the length of the list.
    facts = spider.parse_step("contributors", response("https://api.github.com/x", exchange["body"]), None)
    assert facts["count"] == len(json.loads(exchange["body"]))


def test_gitlab_simple_listing_from_recorded_pages():
    spider = GitLabSpider(forge=forge("gitlab"))
    body = (FIXTURES / "gitlab" / "gite.lirmm.fr-projects-page1.json").read_bytes()
    link = '<https://gite.lirmm.fr/api/v4/projects?page=2&per_page=2>; rel="next"'
    facts = spider.parse_step("listing", response("https://gite.lirmm.fr/api/v4/projects", body,
                                                  headers={"Link": link}), None)
    assert facts["next"] == "https://gite.lirmm.fr/api/v4/projects?page=2&per_page=2"
    first = facts["repos"][0]
    assert first["full_name"] == "yuquan/roboticsutils"
    assert first["web_url"] == "https://gite.lirmm.fr/yuquan/roboticsutils"
    assert "fork" not in first  # the simple shape does not say: the detail request will
    assert spider.first_steps({**first})[0][0] == "detail"


@pytest.mark.parametrize("name", ["demo.gitea.com-repos_search-page1.json", "try.next.forgejo.org-repos_search-page1.json"])
def test_gitea_and_forgejo_search_pages(name):
    spider = GiteaSpider(forge=forge("gitea"))
    body = (FIXTURES / "gitea" / name).read_bytes()
    facts = spider.parse_step("listing", response("https://demo.gitea.com/api/v1/repos/search", body), None)
    assert facts["repos"], "no repository parsed"
    for repo in facts["repos"]:
        assert repo["web_url"].startswith("https://") and "/" in repo["full_name"]
        assert isinstance(repo["fork"], bool) and isinstance(repo["mirror"], bool)
    data = json.loads(body)["data"]
    assert [r["full_name"] for r in facts["repos"]] == [r["full_name"] for r in data]
    assert facts["next"] is None  # no Link header recorded: stop rather than guess page numbers


@pytest.mark.parametrize("body, message", [
    (b"<html><body>Bad gateway</body></html>", "malformed JSON"),
    (b'{"items": [', "malformed JSON"),
    (b'["not", "an", "object"]', "expected a search result object"),
    (b'{"items": [{"name": "x"}]}', "expected a repository object"),
])
def test_unusable_answers_raise_bad_answer_naming_the_url(body, message):
    spider = GitHubSpider(forge=forge("github"))
    url = "https://api.example/github/search/repositories?q=x"
    with pytest.raises(BadAnswer) as info:
        spider.parse_step("listing", response(url, body), None)
    assert message in str(info.value) and url in str(info.value)


def test_classify_files_detects_readme_ci_tests_licences_publiccode():
    found = classify_files([
        {"name": "README.md", "type": "file"}, {"name": "LICENSE-AGPL", "type": "file"},
        {"name": "GNU-AGPL-3.0", "type": "file"}, {"name": ".github", "type": "dir"},
        {"name": "spec", "type": "dir"}, {"name": "publiccode.yml", "type": "file"},
        {"name": "package.json", "type": "file"}, {"name": "src", "type": "dir"},
    ])
    assert found["readme"] == "README.md"
    assert found["licence_files"] == ["GNU-AGPL-3.0", "LICENSE-AGPL"]
    assert found["has_ci"] is False and found["workflow_dirs"] == [".github"]  # checked by one more request
    assert found["has_tests"] is True and found["publiccode"] == "publiccode.yml"
    assert classify_files([{"name": ".gitlab-ci.yml", "type": "file"}])["has_ci"] is True
    assert classify_files([{"name": "docs", "type": "dir"}]) ["has_tests"] is False


def test_spider_arguments_are_checked():
    with pytest.raises(ValueError, match="max_projects must be a whole number, got 'ten'"):
        GitHubSpider(forge=forge("github"), max_projects="ten")
    with pytest.raises(ValueError, match="has type 'gitlab'; this spider crawls 'github'"):
        GitHubSpider(forge=forge("gitlab"))
    assert GitHubSpider(forge=forge("github"), max_projects="5").max_projects == 5


# ------------------------------------------------------------------------------------- Link

def test_link_header_parser():
    value = ('<https://api.github.com/search/repositories?q=a%2Cb&page=2>; rel="next", '
             '<https://api.github.com/search/repositories?q=a%2Cb&page=34>; rel="last"')
    assert parse_link_header(value) == {
        "next": "https://api.github.com/search/repositories?q=a%2Cb&page=2",
        "last": "https://api.github.com/search/repositories?q=a%2Cb&page=34",
    }
    assert last_page(value) == 34
    assert parse_link_header('</p?page=3>; rel="prev first"', "https://x.org/a") == {
        "prev": "https://x.org/p?page=3", "first": "https://x.org/p?page=3"}
    assert parse_link_header(None) == {} and last_page("") is None


# ------------------------------------------------------------------------------------- politeness

class FakeClock:
    """Time that only moves when someone sleeps: no real waiting in tests."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now
        self.slept: list[float] = []

    def time(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def make(middleware, **settings):
    """The middleware and its crawler, whose clock (``get_clock``) is a :class:`FakeClock`.
    Settings are deep-copied by the crawler, so the clock is set as a class."""
    crawler = get_crawler(GitHubSpider, {"ESSFORGE_CLOCK": FakeClock, **settings})
    return build_from_crawler(middleware, crawler), crawler, get_clock(crawler)


def test_github_quota_used_up_waits_until_reset(caplog):
    mw, crawler, clock = make(RateLimitMiddleware)
    request = Request("https://api.github.com/repos/a/b")
    reset = int(clock.now) + 120
    limited = response(request.url, b'{"message": "API rate limit exceeded for 1.2.3.4."}', 403,
                       {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})
    retry = mw.process_response(request, limited)
    assert isinstance(retry, Request) and retry.url == request.url
    assert "rate limit reached on api.github.com; waiting 120 s" in caplog.text
    asyncio.run(mw.process_request(retry))
    assert clock.slept == [120.0] and clock.now >= reset
    # Counter-test: once the reset has passed, the next request does not wait at all.
    asyncio.run(mw.process_request(Request("https://api.github.com/repos/c/d")))
    assert clock.slept == [120.0]
    assert crawler.stats.get_value("essforge/ratelimit/waits") == 1


def test_retry_after_and_gitlab_headers():
    mw, _, clock = make(RateLimitMiddleware)
    request = Request("https://gitlab.com/api/v4/projects")
    retry = mw.process_response(request, response(request.url, b"Retry later", 429, {"Retry-After": "7"}))
    assert isinstance(retry, Request)
    asyncio.run(mw.process_request(retry))
    assert clock.slept == [7.0]
    # GitLab's RateLimit-* headers: the last request of a window holds the next ones.
    ok = response(request.url, b"[]", 200, {"RateLimit-Remaining": "0", "RateLimit-Reset": str(int(clock.now) + 30)})
    assert mw.process_response(request, ok) is ok
    asyncio.run(mw.process_request(Request("https://gitlab.com/api/v4/groups")))
    assert clock.slept == [7.0, 30.0]


def test_secondary_limit_without_headers_waits_the_configured_minute():
    mw, _, clock = make(RateLimitMiddleware, ESSFORGE_SECONDARY_LIMIT_WAIT=60)
    request = Request("https://api.github.com/search/repositories?q=x")
    body = b'{"message": "You have exceeded a secondary rate limit."}'
    retry = mw.process_response(request, response(request.url, body, 403))
    assert isinstance(retry, Request)
    asyncio.run(mw.process_request(retry))
    assert clock.slept == [60.0]
    # A plain 403 (forbidden, no limit) is handed on, not retried.
    forbidden = response(request.url, b'{"message": "Forbidden"}', 403)
    assert mw.process_response(request, forbidden) is forbidden


def test_backoff_retry_doubles_and_strips_credentials():
    mw, crawler, clock = make(BackoffRetryMiddleware, ESSFORGE_RETRY_BACKOFF_BASE=1.0, RETRY_TIMES=3)
    crawler.spider = crawler._create_spider(forge=forge("github"))
    request = Request("https://api.example/github/x", headers={"Authorization": "Bearer secret-token"})
    first = mw.process_response(request, response(request.url, b"", 502))
    assert isinstance(first, Request) and b"Authorization" not in first.headers
    assert first.meta["essforge_not_before"] == clock.now + 1.0
    second = mw.process_response(first, response(request.url, b"", 503))
    assert second.meta["essforge_not_before"] == clock.now + 2.0


def test_auth_middleware_sends_token_to_the_api_host_only(monkeypatch):
    monkeypatch.setenv("ESSFORGE_TEST_TOKEN", "tok-123")
    crawler = get_crawler(GitHubSpider, {})
    spider = crawler._create_spider(forge=forge("github", token_env="ESSFORGE_TEST_TOKEN"))
    crawler.spider = spider
    mw = build_from_crawler(ForgeAuthMiddleware, crawler)
    mw._spider_opened(spider)
    api = Request("https://api.example/github/repos/a/b")
    mw.process_request(api)
    assert api.headers[b"Authorization"] == b"Bearer tok-123"
    elsewhere = Request("https://raw.example/a/b/LICENSE")
    mw.process_request(elsewhere)
    assert b"Authorization" not in elsewhere.headers
    mw.process_response(api, response(api.url, b"{}"))
    assert b"Authorization" not in api.headers


# ------------------------------------------------------------------------------------- store

def test_store_keeps_facts_with_validators_and_counts_changes(tmp_path):
    store = Store(tmp_path / "crawl.db")
    store.begin_run(["gh"])
    store.save_http_state("https://x/a", '"e1"', None, {"count": 3}, 1)
    assert store.put_repository("https://X/o/r.git", forge_id="gh", forge_type="github", full_name="o/r",
                                data={"stars": 1}) == "new"
    store.flush()
    assert store.http_state("https://x/a", 1) == ('"e1"', None)
    assert store.http_state("https://x/a", 2) is None  # facts of an older parser are not reused
    assert store.facts("https://x/a", 1) == {"count": 3}
    assert store.repository("https://x/o/r")["data"] == {"stars": 1}
    store.finish_run()
    store.begin_run(["gh"])
    assert store.put_repository("https://x/o/r", forge_id="gh", forge_type="github", full_name="o/r",
                                data={"stars": 1}) == "unchanged"
    assert store.put_repository("https://x/o/r", forge_id="gh", forge_type="github", full_name="o/r",
                                data={"stars": 2}) == "updated"
    row = store.finish_run()
    assert (row["projects_unchanged"], row["projects_updated"]) == (1, 0)  # counted once per run
    store.close()


def test_every_sources_field_and_crawl_option_is_documented():
    from crawler.cli import crawl
    from crawler.sources import FIELDS

    guide = (Path(__file__).resolve().parents[1] / "docs" / "crawler.md").read_text()
    for name in FIELDS:
        assert f"| `{name}` |" in guide, f"sources.yml field {name!r} is not in docs/crawler.md"
    for param in crawl.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert f"`{opt}" in guide, f"essforge crawl {opt} is not in docs/crawler.md"


def _open_store(path):
    from crawler.store import Store

    Store(path).close()
    return True


def test_several_processes_can_create_one_new_store_at_once(tmp_path):
    """--redis crawls on one machine share a store: opening it together must not fail as 'locked'."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for attempt in range(15):  # the race is not hit every time: try it often
        path = tmp_path / f"store-{attempt}.db"
        with context.Pool(4) as pool:
            assert pool.map(_open_store, [path] * 4) == [True] * 4
