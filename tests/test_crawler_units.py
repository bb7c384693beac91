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
    (b'{"items": {"name": "x"}}', "expected a list of items"),
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


# ------------------------------------------------------------------------------------- other real answers

MORE = FIXTURES / "more"


def test_gogs_search_page_without_topics_licences_or_release_counter():
    spider = GiteaSpider(forge=forge("gitea"))
    body = (MORE / "try.gogs.io-repos_search-page1.json").read_bytes()
    repo = spider.parse_step("listing", response("https://try.gogs.io/api/v1/repos/search", body), None)["repos"][0]
    assert repo["full_name"] == "carwyn/test-repo" and repo["topics"] == [] and repo["homepage"] is None
    assert repo["api_licence"] is None and repo["release_counter"] is None and repo["archived"] is False
    assert repo["created_at"] == "2015-02-17T21:11:54Z"
    assert [s for s, _ in spider.first_steps(repo)] == ["files", "releases"]  # no counter: ask the list


def test_heptapod_and_old_gitlab_pages():
    spider = GitLabSpider(forge=forge("gitlab"))
    body = (MORE / "foss.heptapod.net-projects-page1.json").read_bytes()
    repos = spider.parse_step("listing", response("https://foss.heptapod.net/api/v4/projects", body), None)["repos"]
    assert repos[0]["created_at"] == "2019-05-28T00:53:04Z"  # milliseconds dropped, UTC kept
    assert repos[1]["topics"] == ["extension", "history-rewriting", "mercurial"]
    url = spider.file_url(repos[1], "LICENSE", repos[1]["default_branch"])
    assert url.endswith("/repository/files/LICENSE/raw?ref=branch/default")
    old = spider.parse_step("listing", response("https://gitlab.com/api/v4/projects",
                                                (MORE / "gitlab.com-projects-2013.json").read_bytes()), None)["repos"]
    assert old[0]["description"] is None and old[0]["topics"] == []
    assert old[1]["default_branch"] is None
    assert gitlab_summary({"web_url": "https://g.example/a/b", "path_with_namespace": "a/b",
                           "tag_list": ["gis", "", 3]}, "u")["topics"] == ["gis"]  # tag_list only (GitLab < 14)


@pytest.mark.parametrize("value, expected", [
    ("2019-05-28T00:53:04.064Z", "2019-05-28T00:53:04Z"),
    ("2020-01-01T00:30:00+02:00", "2019-12-31T22:30:00Z"),  # Gitea sends the server's offset
    ("2011-01-26T19:01:12Z", "2011-01-26T19:01:12Z"),
    ("2011-01-26T19:01:12", "2011-01-26T19:01:12Z"),
    (None, None), ("", None), ("yesterday", None), (1296068472, None),
])
def test_dates_are_utc_seconds_or_none(value, expected):
    from crawler.spiders.base import iso_date

    assert iso_date(value) == expected


def test_missing_and_odd_optional_fields_give_none_not_a_crash():
    repo = github_summary({"html_url": "https://github.com/o/empty", "full_name": "o/empty", "pushed_at": None,
                           "updated_at": "2024-01-02T03:04:05Z", "default_branch": None, "license": None,
                           "topics": None, "name": 7, "mirror_url": "https://user:secret@example.org/x.git"},
                          "u")
    assert repo["last_activity"] == "2024-01-02T03:04:05Z" and repo["default_branch"] is None
    assert repo["api_licence"] is None and repo["topics"] == [] and repo["name"] is None
    assert repo["mirror"] is True and repo["mirror_of"] == "https://example.org/x"  # never a credential
    other = github_summary({"html_url": "https://github.com/o/r", "full_name": "o/r",
                            "license": {"key": "other", "name": "Other", "spdx_id": "NOASSERTION", "url": None}}, "u")
    assert other["api_licence"] == "other"
    gitea = gitea_summary({"html_url": "https://c.example/o/r", "full_name": "o/r", "licenses": None,
                           "topics": ["a"] * 3 + [f"t{i}" for i in range(200)], "parent": None}, "u")
    assert gitea["api_licence"] is None and len(gitea["topics"]) == 50 and gitea["topics"][:2] == ["a", "t0"]
    one = gitea_summary({"html_url": "https://c.example/o/r", "full_name": "o/r", "licenses": ["AGPL-3.0"]}, "u")
    assert one["api_licence"] == "AGPL-3.0"
    # Two licence files say nothing of AND or OR: not guessed, the files are read instead.
    two = gitea_summary({"html_url": "https://c.example/o/r", "full_name": "o/r", "licenses": ["MIT", "Apache-2.0"]}, "u")
    assert two["api_licence"] == "other"
    unicode = gitea_summary({"html_url": "https://c.example/ö/répertoire", "full_name": "ö/répertoire"}, "u")
    assert unicode["full_name"] == "ö/répertoire"


def test_one_bad_item_is_skipped_and_the_page_kept(caplog):
    spider = GitHubSpider(forge=forge("github"))
    body = json.dumps({"items": [{"name": "x"}, {"html_url": "https://github.com/o/r", "full_name": "o/r"}]})
    url = "https://api.example/github/search/repositories?q=x"
    link = '<https://api.example/github/search/repositories?q=x&page=2>; rel="next"'
    facts = spider.parse_step("listing", response(url, body, headers={"Link": link}), None)
    assert [r["full_name"] for r in facts["repos"]] == ["o/r"] and facts["next"].endswith("page=2")
    assert "skipped item 0 of " + url in caplog.text


def test_unexpected_shape_inside_a_step_becomes_a_bad_answer(tmp_path):
    crawler = get_crawler(GitHubSpider, {"ESSFORGE_STORE": str(tmp_path / "s.db")})
    spider = crawler._create_spider(forge=forge("github"))
    spider.parse_step = lambda step, resp, job: {}["boom"]  # any parser bug on an odd answer
    url = "https://api.example/github/repos/o/r/contents"
    with pytest.raises(BadAnswer, match="unexpected answer shape"):
        spider.facts_for(response(url, b"[]"), "files", {})


def test_releases_skip_drafts_and_counts_without_total_are_unknown():
    spider = GitHubSpider(forge=forge("github"))
    body = json.dumps([{"tag_name": "v2-draft", "draft": True, "published_at": None, "created_at": "2024-01-01T00:00:00Z"}])
    facts = spider.parse_step("releases", response("https://api.example/github/repos/o/r/releases", body), None)
    assert facts == {"count": 1, "latest": None, "date": None}
    body = json.dumps([{"tag_name": "v1", "draft": False, "published_at": "2023-05-06T07:08:09Z"}])
    facts = spider.parse_step("releases", response("https://api.example/github/repos/o/r/releases", body), None)
    assert facts["latest"] == "v1" and facts["date"] == "2023-05-06T07:08:09Z"
    # GitLab past 10,000 items: no X-Total, no rel="last", only rel="next": unknown, not 1
    gitlab = GitLabSpider(forge=forge("gitlab"))
    link = '<https://api.example/gitlab/projects/1/repository/contributors?page=2&per_page=1>; rel="next"'
    facts = gitlab.parse_step("contributors", response("https://api.example/gitlab/projects/1/repository/contributors",
                                                       b'[{"name": "a"}]', headers={"Link": link}), None)
    assert facts == {"count": None}
    assert gitlab.parse_step("contributors", response("https://api.example/gitlab/x", b'[{"name": "a"}]',
                                                      headers={"X-Total": "12"}), None) == {"count": 12}


def test_gitlab_empty_or_disabled_repository_is_not_asked_for_its_tree():
    spider = GitLabSpider(forge=forge("gitlab"))
    base = {"web_url": "https://g.example/a/b", "path_with_namespace": "a/b", "id": 5, "archived": False,
            "license": None}
    for extra, empty in (({"empty_repo": True}, True), ({"repository_access_level": "disabled"}, False)):
        summary = gitlab_summary({**base, **extra}, "u")
        job = {"summary": summary, "facts": {}, "stale": [], "queue": list(spider.first_steps(summary)),
               "submitted": False, "aliases": []}
        requests = list(spider.advance(job))
        assert [r.meta["essforge_step"] for r in requests] == ["releases"]
        assert (job["facts"].get("files") == {"entries": []}) is empty
    assert gitlab_summary(base, "u")["api_licence"] is None
    assert gitlab_summary({**base, "license": {"key": "other", "name": "Other"}}, "u")["api_licence"] == "other"
    assert "api_licence" not in gitlab_summary({k: v for k, v in base.items() if k != "license"}, "u")


# --------------------------------------------------------------------------------------------
# Hostile answers (found by fuzzing the parsers and an end-to-end hostile proxy)


@pytest.mark.parametrize("headers", [{"Retry-After": "nan"}, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "nan"},
                                     {"Retry-After": "inf"}, {"X-RateLimit-Reset": "-inf", "X-RateLimit-Remaining": "0"}])
def test_rate_limit_headers_that_are_not_numbers_never_block_for_good(headers):
    """A NaN wait compared false with every time: the host's requests were held for ever."""
    mw, _, clock = make(RateLimitMiddleware, ESSFORGE_SECONDARY_LIMIT_WAIT=60)
    request = Request("https://api.github.com/orgs/coopcycle/repos")
    retry = mw.process_response(request, response(request.url, b'{"message": "slow down"}', 429, headers))
    assert isinstance(retry, Request)
    asyncio.run(mw.process_request(retry))
    assert clock.slept == [60.0]  # the secondary-limit wait, once
    asyncio.run(mw.process_request(Request("https://api.github.com/repos/a/b")))
    assert clock.slept == [60.0]


def test_json_with_what_the_store_cannot_keep_is_made_harmless():
    from crawler.spiders.base import decode_json

    body = b'{"stars": 100000000000000000000, "d": "caf\\ud800 coop", "n": NaN, "f": 1e400, "ok": "\\ud83d\\ude00", "c": 3}'
    data = decode_json(response("https://api.example/github/x", body))
    assert data == {"stars": None, "d": "caf\ufffd coop", "n": None, "f": None, "ok": "\U0001F600", "c": 3}
    with pytest.raises(BadAnswer):
        decode_json(response("https://api.example/github/x", b"[" * 100_000))


def test_counts_from_headers_past_64_bits_are_unknown():
    from crawler.spiders.base import count_from

    huge = response("https://api.example/gitlab/x", b"[]", 200, {"X-Total": "99999999999999999999999"})
    assert count_from(huge, []) == 0  # the header is ignored: the page's own length
    assert count_from(response("https://api.example/gitlab/x", b"[]", 200, {"X-Total": "12"}), []) == 12


@pytest.mark.parametrize("spider_class", [GitHubSpider, GitLabSpider, GiteaSpider])
def test_next_page_links_off_the_forge_are_not_followed(spider_class):
    # Every spider: GiteaSpider has a next_page of its own, which once shadowed this method
    # (a TypeError that lost every Gitea listing page after the first).
    crawler = get_crawler(spider_class, {"ESSFORGE_MAX_PAGES": 3})
    spider = crawler._create_spider(forge=forge(spider_class.forge_type))
    facts = {"repos": [{"web_url": "https://github.example/a/b"}]}
    for url in ("https://evil.example/github/orgs/x/repos?page=2", "file:///etc/hostname", "//evil.example/x",
                "javascript:alert(1)", "http://api.example/github/orgs/x/repos?page=2", "https://api.example:444/github/x"):
        assert list(spider.follow_next_page(url, "org", facts, {})) == [], url
    assert crawler.stats.get_value("essforge/skipped/offsite_link") == 6
    ok = list(spider.follow_next_page("https://api.example/github/orgs/x/repos?page=2", "org", facts, {}))
    assert [r.url for r in ok] == ["https://api.example/github/orgs/x/repos?page=2"]
    # An endless listing stops at ESSFORGE_MAX_PAGES; a page that lists nothing ends it.
    assert list(spider.follow_next_page(ok[0].url, "org", facts, {"essforge_page": 3})) == []
    assert crawler.stats.get_value("essforge/pagination/capped") == 1
    assert list(spider.follow_next_page(ok[0].url, "org", {"repos": []}, {})) == []


def test_redirects_off_the_forge_are_dropped():
    from scrapy.exceptions import IgnoreRequest

    from crawler.middlewares import SameForgeMiddleware

    crawler = get_crawler(GitHubSpider, {})
    crawler.spider = crawler._create_spider(forge=forge("github"))
    mw = build_from_crawler(SameForgeMiddleware, crawler)
    assert mw.process_request(Request("https://api.example/github/repos/a/b")) is None
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request("http://vm:8080/github/repos/a/b"))
    assert crawler.stats.get_value("essforge/skipped/offsite") == 1


def test_a_304_to_a_request_without_conditions_is_a_bad_answer(tmp_path):
    crawler = get_crawler(GitHubSpider, {"ESSFORGE_STORE": str(tmp_path / "crawl.db")})
    spider = crawler._create_spider(forge=forge("github"))
    url = "https://api.example/github/repos/a/b/releases?per_page=1"
    first = response(url, b"", 304)
    ok, again = spider.facts_for(first, "releases", {})
    assert ok is False and again.meta["essforge_refetched"] is True
    with pytest.raises(BadAnswer, match="304 Not Modified to a request without conditions"):
        spider.facts_for(TextResponse(url=url, body=b"", status=304, request=again), "releases", {})
