"""The fake forge (crawler/fakeforge, docs/fake-forge.md) against the recorded forge answers."""

from __future__ import annotations

import ast
import base64
import http.client
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from email.utils import formatdate
from pathlib import Path

import pytest

from crawler.fakeforge import FAULT_KINDS, FakeForge, FakeForgeProcess

# Real recorded forge answers, copied from the founders' shared/fixtures/forges (see its README.md).
FIXTURES = Path(__file__).resolve().parent / "data" / "forges"
ROOT = Path(__file__).resolve().parents[1]


def replay(name: str) -> list[dict]:
    """PyGithub ReplayData: 10 lines per exchange (scheme ... status, headers, body)."""
    lines = (FIXTURES / "github" / name).read_text().split("\n")
    found, i = [], 0
    while i + 9 < len(lines):
        if lines[i] not in ("http", "https"):
            i += 1
            continue
        found.append({"path": lines[i + 4], "status": int(lines[i + 7]),
                      "headers": dict((k.lower(), v) for k, v in ast.literal_eval(lines[i + 8])),
                      "body": json.loads(lines[i + 9]) if lines[i + 9] else None})
        i += 10
    return found


def fetch(url: str, headers: dict | None = None, method: str = "GET", data: bytes | None = None):
    request = urllib.request.Request(url, headers=headers or {}, method=method, data=data)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def get_json(url: str, headers: dict | None = None):
    status, _, body = fetch(url, headers)
    assert status == 200, (url, status, body[:300])
    return json.loads(body)


@pytest.fixture(scope="module")
def ff():
    with FakeForge(repos=60, seed=0) as forge:
        yield forge


@pytest.fixture
def fresh():
    with FakeForge(repos=12, seed=1) as forge:
        yield forge


# --- shapes -----------------------------------------------------------------------------------
def test_github_shapes_match_recorded(ff):
    repo = get_json(f"{ff.github_api}/repos/coopcycle/coopcycle-web")
    recorded = replay("Repository.setUp.txt")[0]["body"]
    assert set(recorded) <= set(repo)
    assert set(recorded["owner"]) == set(repo["owner"])
    assert set(recorded["license"]) == set(repo["license"])
    assert set(recorded["organization"]) == set(repo["organization"])
    assert set(recorded["permissions"]) == set(repo["permissions"])
    assert repo["html_url"] == "https://github.com/coopcycle/coopcycle-web"
    assert repo["url"] == f"{ff.github_api}/repos/coopcycle/coopcycle-web"

    listed = get_json(f"{ff.github_api}/orgs/coopcycle/repos")[0]
    assert set(replay("Organization.testGetRepos.txt")[0]["body"][0]) <= set(listed)

    licence = get_json(f"{ff.github_api}/repos/coopcycle/coopcycle-web/license")
    recorded = replay("Repository.testGetLicense.txt")[0]["body"]
    assert set(recorded) == set(licence)
    assert set(recorded["license"]) <= set(licence["license"]) | {"html_url"}

    assert set(get_json(f"{ff.github_api}/repos/coopcycle/coopcycle-web/topics")) == \
        set(replay("Repository.testGetTopics.txt")[0]["body"])
    contributor = get_json(f"{ff.github_api}/repos/coopcycle/coopcycle-web/contributors")[0]
    assert set(replay("Repository.testGetContributors.txt")[0]["body"][0]) <= set(contributor)

    rate = get_json(f"{ff.github_api}/rate_limit")
    recorded = replay("RateLimiting.testRateLimiting.txt")[0]["body"]
    assert set(recorded) == set(rate) and set(recorded["resources"]) == set(rate["resources"])
    assert set(recorded["rate"]) == set(rate["rate"])

    search = get_json(f"{ff.github_api}/search/repositories?q=cooperative")
    assert set(search) == {"total_count", "incomplete_results", "items"}
    assert set(repo) - set(search["items"][0]) >= {"network_count", "subscribers_count"}

    status, _, body = fetch(f"{ff.github_api}/repos/nobody/nothing")
    assert status == 404
    assert json.loads(body)["message"] == replay("Exceptions.testUnknownObject.txt")[1]["body"]["message"]


def test_gitlab_shapes_match_recorded(ff):
    recorded = json.loads((FIXTURES / "gitlab" / "gite.lirmm.fr-projects-page1.json").read_text())[0]
    simple = get_json(f"{ff.gitlab_api}/projects")[0]
    # the recorded instance is older: `topics` joined `tag_list` later
    assert set(simple) == set(recorded) | {"topics"}
    assert set(recorded["namespace"]) <= set(simple["namespace"])
    full = get_json(f"{ff.gitlab_api}/projects", {"PRIVATE-TOKEN": "x"})[0]
    assert set(recorded) < set(full) and "archived" in full and "_links" in full
    simple_with_token = get_json(f"{ff.gitlab_api}/projects?simple=true", {"PRIVATE-TOKEN": "x"})[0]
    assert set(simple_with_token) == set(simple)
    project = get_json(f"{ff.gitlab_api}/projects/reseau-ess%2Foutils%2Fgestion-cooperative?license=true")
    assert project["web_url"] == "https://gitlab.example/reseau-ess/outils/gestion-cooperative"
    assert project["license"]["key"] == "eupl-1.2"
    assert project["namespace"]["full_path"] == "reseau-ess/outils"


@pytest.mark.parametrize("name", ["demo.gitea.com-repos_search-page2.json",
                                  "try.next.forgejo.org-repos_search-page1.json"])
def test_gitea_shapes_match_recorded(ff, name):
    recorded = json.loads((FIXTURES / "gitea" / name).read_text())
    ours = get_json(f"{ff.gitea_api}/repos/search?limit=50")
    assert set(recorded) == set(ours) and ours["ok"] is True
    assert set(recorded["data"][0]) <= set(ours["data"][0])
    assert set(recorded["data"][0]["owner"]) <= set(ours["data"][0]["owner"])
    one = get_json(f"{ff.gitea_api}/repos/entraide/banca-del-tempo")
    assert set(one) == set(ours["data"][0])
    assert one["html_url"] == "https://codeberg.example/entraide/banca-del-tempo"


def test_web_bases_are_options():
    with FakeForge(repos=3, web_bases={"gitlab": "https://framagit.org"}) as forge:
        project = get_json(f"{forge.gitlab_api}/projects/4001?license=true")
        assert project["web_url"].startswith("https://framagit.org/")
    with pytest.raises(ValueError, match="web_bases keys"):
        FakeForge(repos=1, web_bases={"bitbucket": "https://x"})


def test_files_and_download_urls(ff):
    listing = get_json(f"{ff.github_api}/repos/coopcycle/coopcycle-web/contents")
    licence = next(x for x in listing if x["name"] == "LICENSE")
    assert "content" not in licence and licence["type"] == "file"
    status, headers, raw = fetch(licence["download_url"])
    assert status == 200 and b"CoopCycle" in raw
    one = get_json(licence["url"])
    assert base64.b64decode(one["content"]) == raw
    workflows = get_json(f"{ff.github_api}/repos/coopcycle/coopcycle-web/contents/.github/workflows")
    assert [x["path"] for x in workflows] == [".github/workflows/ci.yml"]
    assert fetch(f"{ff.github_api}/repos/coopcycle/coopcycle-web/contents/nope")[0] == 404

    gitea = get_json(f"{ff.gitea_api}/repos/entraide/banca-del-tempo/contents/publiccode.yml")
    assert fetch(gitea["download_url"])[2] == fetch(f"{ff.gitea_api}/repos/entraide/banca-del-tempo/raw/publiccode.yml")[2]
    tree = get_json(f"{ff.gitlab_api}/projects/4001/repository/tree?recursive=true&per_page=100")
    blobs = [x["path"] for x in tree if x["type"] == "blob"]
    assert ".gitlab-ci.yml" in blobs
    raw = fetch(f"{ff.gitlab_api}/projects/4001/repository/files/.gitlab-ci.yml/raw?ref=main")[2]
    meta = get_json(f"{ff.gitlab_api}/projects/4001/repository/files/.gitlab-ci.yml?ref=main")
    assert base64.b64decode(meta["content"]) == raw
    assert fetch(f"{ff.gitlab_api}/projects/4001/repository/files/.gitlab-ci.yml")[0] == 400


def test_releases_and_404s(ff):
    assert get_json(f"{ff.github_api}/repos/coopcycle/coopcycle-web/releases/latest")["tag_name"]
    assert fetch(f"{ff.github_api}/repos/jdoe/dotfiles/releases/latest")[0] == 404
    assert fetch(f"{ff.github_api}/repos/jdoe/dotfiles/license")[0] == 404
    status, _, body = fetch(f"{ff.gitlab_api}/projects/999999")
    assert status == 404 and json.loads(body) == {"message": "404 Project Not Found"}
    assert fetch(f"{ff.gitea_api}/repos/nobody/nothing")[0] == 404
    assert fetch(f"{ff.url}/nowhere")[0] == 404


# --- pagination -------------------------------------------------------------------------------
def walk(url: str, headers: dict | None = None, key=None):
    """Follow Link rel="next" to the end; return the items and the pages' headers."""
    items, pages = [], []
    while url:
        status, h, body = fetch(url, headers)
        assert status == 200, (url, body[:200])
        data = json.loads(body)
        items += key(data) if key else data
        pages.append(h)
        url = None
        for part in (h.get("Link") or "").split(","):
            if 'rel="next"' in part:
                url = part.split(";")[0].strip().strip("<>")
    return items, pages


def test_github_link_pagination_walks_every_page(ff):
    items, pages = walk(f"{ff.github_api}/search/repositories?q=fork:true&per_page=7",
                        key=lambda d: d["items"])
    total = get_json(f"{ff.github_api}/search/repositories?q=fork:true")["total_count"]
    assert total == 60 and len(items) == total and len({x["id"] for x in items}) == total
    assert len(pages) == 9
    assert 'rel="last"' in pages[0]["Link"] and 'rel="first"' in pages[-1]["Link"]
    no_forks = get_json(f"{ff.github_api}/search/repositories?q=fork:false&per_page=100")
    assert no_forks["total_count"] < total and not any(x["fork"] for x in no_forks["items"])
    only = get_json(f"{ff.github_api}/search/repositories?q=fork:only&per_page=100")
    assert only["total_count"] + no_forks["total_count"] == total
    contributors, _ = walk(f"{ff.github_api}/repos/coopcycle/coopcycle-web/contributors?per_page=10")
    assert len(contributors) == 48


def test_github_search_qualifiers(ff):
    def names(q):
        return {x["full_name"] for x in get_json(f"{ff.github_api}/search/repositories?q={q}&per_page=100")["items"]}
    assert names("org:coopcycle") == {"coopcycle/coopcycle-web"}
    assert "coopdev/ancien-outil-adherents" in names("archived:true")
    assert "coopdev/ancien-outil-adherents" not in names("archived:false")
    tagged = get_json(f"{ff.github_api}/search/repositories?q=topic:platform-cooperative&per_page=100")["items"]
    assert "coopcycle/coopcycle-web" in {x["full_name"] for x in tagged}
    assert all("platform-cooperative" in x["topics"] for x in tagged)
    assert names("stars:>=600") == {"coopcycle/coopcycle-web"}
    assert names("stars:600..700") == {"coopcycle/coopcycle-web"}
    assert "coopdev/ancien-outil-adherents" in names("pushed:<2018-01-01")
    assert names("%22coopcycle-web%22") == {"coopcycle/coopcycle-web"}
    stars = [x["stargazers_count"] for x in
             get_json(f"{ff.github_api}/search/repositories?q=fork:true&sort=stars&per_page=100")["items"]]
    assert stars == sorted(stars, reverse=True)
    assert fetch(f"{ff.github_api}/search/repositories")[0] == 422


def test_github_search_stops_at_1000():
    with FakeForge(repos=1050) as forge:
        first = get_json(f"{forge.github_api}/search/repositories?q=fork:true&per_page=100")
        assert first["total_count"] == 1050
        status, headers, _ = fetch(f"{forge.github_api}/search/repositories?q=fork:true&per_page=100&page=10")
        assert status == 200 and 'rel="next"' not in headers["Link"]
        status, _, body = fetch(f"{forge.github_api}/search/repositories?q=fork:true&per_page=100&page=11")
        assert status == 422 and b"first 1000" in body


def test_gitlab_offset_and_keyset_pagination(ff):
    items, pages = walk(f"{ff.gitlab_api}/projects?per_page=8&order_by=id&sort=asc")
    assert [x["id"] for x in items] == sorted(x["id"] for x in items) and len(items) == 60
    assert pages[0]["X-Total"] == "60" and pages[0]["X-Total-Pages"] == "8"
    assert pages[0]["X-Next-Page"] == "2" and pages[0]["X-Prev-Page"] == "" and pages[-1]["X-Next-Page"] == ""
    keyset, kpages = walk(f"{ff.gitlab_api}/projects?pagination=keyset&order_by=id&sort=asc&per_page=8")
    assert [x["id"] for x in keyset] == [x["id"] for x in items]
    assert "id_after=" in kpages[0]["Link"] and "X-Total" not in kpages[0]
    desc, _ = walk(f"{ff.gitlab_api}/projects?pagination=keyset&order_by=id&sort=desc&per_page=25")
    assert [x["id"] for x in desc] == [x["id"] for x in reversed(items)]
    assert fetch(f"{ff.gitlab_api}/projects?pagination=keyset&order_by=name")[0] == 405
    group, _ = walk(f"{ff.gitlab_api}/groups/reseau-ess/projects?include_subgroups=true&per_page=2")
    assert "reseau-ess/outils/gestion-cooperative" in {x["path_with_namespace"] for x in group}
    flat, _ = walk(f"{ff.gitlab_api}/groups/reseau-ess/projects?per_page=2")
    assert len(flat) == len(group) - 1


def test_gitlab_totals_and_offset_limit():
    with FakeForge(repos=10) as forge:
        status, headers, _ = fetch(f"{forge.gitlab_api}/projects?per_page=100&page=501")
        assert status == 405
        status, headers, _ = fetch(f"{forge.gitlab_api}/projects?per_page=100&page=500")
        assert status == 200 and headers["X-Total"] == "10"


def test_gitea_pagination(ff):
    items, pages = walk(f"{ff.gitea_api}/repos/search?limit=9&sort=id&order=asc", key=lambda d: d["data"])
    assert len(items) == 60 == int(pages[0]["X-Total-Count"]) and len(pages) == 7
    capped = get_json(f"{ff.gitea_api}/repos/search?limit=500")
    assert len(capped["data"]) == 50
    topic = get_json(f"{ff.gitea_api}/repos/search?q=timebank&topic=true")["data"]
    assert {x["full_name"] for x in topic} >= {"entraide/banca-del-tempo"}
    forks = get_json(f"{ff.gitea_api}/repos/search?mode=fork&limit=50")["data"]
    assert forks and all(x["fork"] for x in forks)


# --- conditional requests -----------------------------------------------------------------------
def test_etag_and_last_modified_give_304(ff):
    url = f"{ff.github_api}/repos/coopcycle/coopcycle-web"
    status, headers, body = fetch(url)
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert etag.startswith('"') and len(body) == int(headers["Content-Length"])
    status, headers2, body2 = fetch(url, {"If-None-Match": etag})
    assert status == 304 and body2 == b"" and headers2["ETag"] == etag
    assert fetch(url, {"If-None-Match": '"other"'})[0] == 200
    assert fetch(url, {"If-Modified-Since": modified})[0] == 304
    assert fetch(url, {"If-Modified-Since": formatdate(0, usegmt=True)})[0] == 200
    # If-None-Match wins over If-Modified-Since
    assert fetch(url, {"If-None-Match": '"other"', "If-Modified-Since": modified})[0] == 200
    for api_url in (f"{ff.gitlab_api}/projects?per_page=5", f"{ff.gitea_api}/repos/search"):
        status, headers, _ = fetch(api_url)
        assert fetch(api_url, {"If-None-Match": headers["ETag"]})[0] == 304


def test_mutate_and_add_repo_change_only_affected_etags(fresh):
    repo_url = f"{fresh.github_api}/repos/coopcycle/coopcycle-web"
    contents = f"{repo_url}/contents/LICENSE"
    other = f"{fresh.github_api}/repos/monnaie-libre/caisse-monnaie-locale"
    org_list = f"{fresh.github_api}/orgs/coopcycle/repos"
    before = {u: fetch(u)[1]["ETag"] for u in (repo_url, contents, other, org_list)}
    fresh.mutate("github", "coopcycle/coopcycle-web", files={"LICENSE": "MIT License\n\nCopyright (c) 2026 X\n"},
                 description="Changed")
    after = {u: fetch(u, {"If-None-Match": before[u]}) for u in before}
    assert after[repo_url][0] == 200 and json.loads(after[repo_url][2])["description"] == "Changed"
    assert json.loads(after[repo_url][2])["license"]["spdx_id"] == "MIT"
    assert after[contents][0] == 200 and after[org_list][0] == 200
    assert after[other][0] == 304
    gitea_search = f"{fresh.gitea_api}/repos/search?q=new-thing"
    etag = fetch(gitea_search)[1]["ETag"]
    added = fresh.add_repo("gitea", "entraide", "new-thing", files={"README.md": "# New"}, description="x")
    assert added["full_name"] == "entraide/new-thing"
    status, _, body = fetch(gitea_search, {"If-None-Match": etag})
    assert status == 200 and [x["full_name"] for x in json.loads(body)["data"]] == ["entraide/new-thing"]


def test_control_api_over_http(fresh):
    status, _, body = fetch(f"{fresh.url}/_control/mutate", method="POST",
                            data=json.dumps({"forge": "gitlab", "full_name": "collectif-amap/amap-manager",
                                             "delete_files": [".gitlab-ci.yml"]}).encode())
    assert status == 200 and ".gitlab-ci.yml" not in json.loads(body)["files"]
    status, _, body = fetch(f"{fresh.url}/_control/repos", method="POST",
                            data=json.dumps({"forge": "github", "owner": "newcoop", "name": "tool",
                                             "files": {"LICENSE": "MIT License\n"}, "stars": 3}).encode())
    assert status == 200 and json.loads(body)["api_licence"] == "MIT"
    assert get_json(f"{fresh.github_api}/repos/newcoop/tool")["stargazers_count"] == 3
    truth = get_json(f"{fresh.url}/_control/repos?forge=github")
    assert "newcoop/tool" in {x["full_name"] for x in truth}
    status, _, body = fetch(f"{fresh.url}/_control/mutate", method="POST",
                            data=json.dumps({"forge": "github", "full_name": "no/such"}).encode())
    assert status == 404 and b"no/such" in body
    status, _, body = fetch(f"{fresh.url}/_control/faults", method="POST",
                            data=json.dumps([{"path": "x", "kind": "explode"}]).encode())
    assert status == 400 and b"explode" in body
    status, _, body = fetch(f"{fresh.url}/_control/repos", method="POST", data=b"{not json")
    assert status == 400 and b"must be JSON" in body
    assert fresh.stats()["requests"] == 1   # control requests are not counted


# --- rate limits ------------------------------------------------------------------------------
class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_rate_limit_off_by_default(ff):
    _, headers, _ = fetch(f"{ff.github_api}/repos/coopcycle/coopcycle-web")
    assert headers["X-RateLimit-Limit"] == "5000" and headers["X-RateLimit-Remaining"] == "5000"
    assert int(headers["X-RateLimit-Reset"]) > time.time() + 3000
    _, headers, _ = fetch(f"{ff.gitlab_api}/projects/4001")
    assert headers["RateLimit-Remaining"] == "5000"


def test_rate_limit_exhaustion_and_reset():
    clock = Clock()
    t0 = clock.now
    with FakeForge(repos=5, rate_limit=3, rate_window_s=60, clock=clock) as forge:
        url = f"{forge.github_api}/repos/coopcycle/coopcycle-web"
        remaining = [fetch(url)[1]["X-RateLimit-Remaining"] for _ in range(3)]
        assert remaining == ["2", "1", "0"]
        status, headers, body = fetch(url)
        assert status == 403 and headers["X-RateLimit-Remaining"] == "0"
        assert headers["X-RateLimit-Reset"] == str(int(t0 + 60)) and headers["X-RateLimit-Resource"] == "core"
        assert json.loads(body)["message"].startswith("API rate limit exceeded")
        # search has its own bucket; /rate_limit is free and tells the truth
        assert fetch(f"{forge.github_api}/search/repositories?q=coop")[0] == 200
        rate = get_json(f"{forge.github_api}/rate_limit")
        assert rate["resources"]["core"] == {"limit": 3, "used": 3, "remaining": 0, "reset": int(t0 + 60)}
        assert rate["resources"]["search"]["used"] == 1

        gl = f"{forge.gitlab_api}/projects/4001"
        for _ in range(3):
            assert fetch(gl)[0] == 200
        clock.now = t0 + 45
        status, headers, body = fetch(gl)
        assert status == 429 and headers["Retry-After"] == "15" and body == b"Retry later\n"
        # the GitLab window started at t0 too: a fresh window per forge, counted from its first request
        assert headers["RateLimit-Reset"] == str(int(t0 + 60)) and headers["RateLimit-Remaining"] == "0"

        ge = f"{forge.gitea_api}/repos/entraide/banca-del-tempo"
        clock.now = t0 + 50
        for _ in range(3):
            assert fetch(ge)[0] == 200
        clock.now = t0 + 95
        status, headers, _ = fetch(ge)
        assert status == 429 and headers["Retry-After"] == "15"
        assert headers["X-RateLimit-Reset"] == str(int(t0 + 110))

        clock.now = t0 + 60
        status, headers, _ = fetch(url)
        assert status == 200 and headers["X-RateLimit-Remaining"] == "2"
        assert headers["X-RateLimit-Reset"] == str(int(t0 + 120))
        assert forge.stats()["rate_limited"] == 3


def test_github_authenticated_304_does_not_count():
    clock = Clock()
    with FakeForge(repos=3, rate_limit=10, clock=clock) as forge:
        url = f"{forge.github_api}/repos/coopcycle/coopcycle-web"
        etag = fetch(url, {"Authorization": "token t"})[1]["ETag"]
        for _ in range(3):
            status, headers, _ = fetch(url, {"Authorization": "token t", "If-None-Match": etag})
            assert status == 304 and headers["X-RateLimit-Remaining"] == "9"
        status, headers, _ = fetch(url, {"If-None-Match": etag})   # anonymous: counted
        assert status == 304 and headers["X-RateLimit-Remaining"] == "8"


def test_set_rate_limit_and_gitea_403():
    clock = Clock()
    with FakeForge(repos=3, clock=clock, gitea_limit_status=403) as forge:
        forge.set_rate_limit("gitea", 1, 10)
        url = f"{forge.gitea_api}/repos/entraide/banca-del-tempo"
        assert fetch(url)[0] == 200
        status, headers, _ = fetch(url)
        assert status == 403 and headers["Retry-After"] == "10"
        forge.set_rate_limit("gitea", None)
        assert fetch(url)[0] == 200
        with pytest.raises(ValueError, match="rate-limit forge"):
            forge.set_rate_limit("bitbucket", 1)


def test_require_token():
    with FakeForge(repos=3, require_token="teapot") as forge:
        status, _, body = fetch(f"{forge.github_api}/repos/coopcycle/coopcycle-web")
        assert status == 401 and json.loads(body)["message"] == "Requires authentication"
        status, _, body = fetch(f"{forge.gitlab_api}/projects", {"PRIVATE-TOKEN": "wrong"})
        assert status == 401 and b"wrong" not in body
        assert fetch(f"{forge.gitlab_api}/projects", {"PRIVATE-TOKEN": "teapot"})[0] == 200
        assert fetch(f"{forge.gitea_api}/repos/search", {"Authorization": "Bearer teapot"})[0] == 200


# --- faults -----------------------------------------------------------------------------------
def raw_request(url: str, timeout: float = 10):
    """(status, headers, body) or the exception raised, with http.client (no retries)."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("GET", parts.path + ("?" + parts.query if parts.query else ""))
        answer = conn.getresponse()
        return answer.status, answer.headers, answer.read()
    except Exception as error:   # noqa: BLE001 - the test inspects it
        return error
    finally:
        conn.close()


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_each_fault_kind_then_recovery(fresh, kind):
    url = f"{fresh.github_api}/repos/coopcycle/coopcycle-web/topics"
    good = raw_request(url)
    fresh.reset_stats()
    fresh.add_fault(r"^/github/repos/coopcycle/coopcycle-web/topics", kind, times=1, seconds=0.3)
    started = time.monotonic()
    answer = raw_request(url)
    elapsed = time.monotonic() - started
    if kind in ("500", "502", "503"):
        assert answer[0] == int(kind)
    elif kind == "429":
        assert answer[0] == 429 and answer[1]["Retry-After"] == "1"   # ceil(0.3)
    elif kind == "403-ratelimit":
        assert answer[0] == 403 and answer[1]["X-RateLimit-Remaining"] == "0"
        assert int(answer[1]["X-RateLimit-Reset"]) - time.time() <= 2
    elif kind == "secondary":
        assert answer[0] == 403 and "Retry-After" in answer[1] and b"secondary" in answer[2]
    elif kind == "timeout":
        assert isinstance(answer, Exception) and elapsed >= 0.3
    elif kind == "reset":
        assert isinstance(answer, (ConnectionResetError, http.client.RemoteDisconnected))
    elif kind == "malformed":
        assert answer[0] == 200
        with pytest.raises(ValueError):
            json.loads(answer[2])
    elif kind == "truncated":
        assert isinstance(answer, http.client.IncompleteRead)
    elif kind == "wrongshape":
        assert answer[0] == 200 and isinstance(json.loads(answer[2]), list)
    elif kind == "html":
        assert answer[0] == 200 and answer[1]["Content-Type"].startswith("text/html")
    again = raw_request(url)
    assert again[0] == 200 and again[2] == good[2]
    stats = fresh.stats()
    assert stats["faults"] == 1 and stats["requests"] == 2


def test_fault_forever_and_path_regex(fresh):
    fresh.add_fault(r"^/gitlab/", "503", times=-1)
    for _ in range(3):
        assert fetch(f"{fresh.gitlab_api}/projects")[0] == 503
    assert fetch(f"{fresh.gitea_api}/repos/search")[0] == 200
    fresh.clear_faults()
    assert fetch(f"{fresh.gitlab_api}/projects")[0] == 200
    with pytest.raises(ValueError, match="fault kind"):
        fresh.add_fault("x", "explode")
    fresh.add_fault(r"page=2", "500", times=2)
    assert fetch(f"{fresh.gitlab_api}/projects?page=2&per_page=1")[0] == 500
    assert fetch(f"{fresh.gitlab_api}/projects?page=1&per_page=1")[0] == 200
    assert fetch(f"{fresh.gitlab_api}/projects?page=2&per_page=1")[0] == 500
    assert fetch(f"{fresh.gitlab_api}/projects?page=2&per_page=1")[0] == 200


# --- stats, latency, concurrency ---------------------------------------------------------------
def test_stats_counters(fresh):
    fresh.reset_stats()
    url = f"{fresh.github_api}/repos/coopcycle/coopcycle-web"
    etag = fetch(url)[1]["ETag"]
    fetch(url, {"If-None-Match": etag})
    fetch(f"{fresh.gitlab_api}/projects")
    fetch(f"{fresh.gitea_api}/repos/nobody/nothing")
    stats = fresh.stats()
    assert stats["requests"] == 4 and stats["not_modified"] == 1
    assert stats["by_forge"] == {"github": 2, "gitlab": 1, "gitea": 1}
    assert stats["by_kind"] == {"github:repo": 2, "gitlab:projects": 1, "gitea:repo": 1}
    assert stats["by_status"] == {"200": 2, "304": 1, "404": 1}
    assert stats["by_url"]["/github/repos/coopcycle/coopcycle-web"] == 2
    assert stats["by_url"]["/gitlab/api/v4/projects"] == 1
    fresh.reset_stats()
    assert fresh.stats()["requests"] == 0


def test_latency_is_served_concurrently():
    with FakeForge(repos=3, latency_ms=300) as forge:
        url = f"{forge.github_api}/repos/coopcycle/coopcycle-web"
        started = time.monotonic()
        threads = [threading.Thread(target=fetch, args=(url,)) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        parallel = time.monotonic() - started
        assert parallel < 1.5   # 16 x 300 ms would be 4.8 s if latency held a lock
        assert forge.stats()["max_in_flight"] >= 8
        # the counter-test: one after the other, the latency adds up
        started = time.monotonic()
        for _ in range(4):
            fetch(url)
        assert time.monotonic() - started >= 1.2
        forge.set_latency(0)
        forge.set_latency(400, r"/topics$")
        started = time.monotonic()
        fetch(url)
        assert time.monotonic() - started < 0.25
        started = time.monotonic()
        fetch(url + "/topics")
        assert time.monotonic() - started >= 0.4


def test_keep_alive_and_content_length(ff):
    conn = http.client.HTTPConnection("127.0.0.1", int(ff.url.rsplit(":", 1)[1]), timeout=10)
    for path in ("/github/repos/coopcycle/coopcycle-web", "/gitlab/api/v4/projects/4001"):
        conn.request("GET", path)
        answer = conn.getresponse()
        body = answer.read()
        assert answer.status == 200 and answer.version == 11
        assert int(answer.headers["Content-Length"]) == len(body)
    conn.close()


# --- the subprocess ---------------------------------------------------------------------------
def test_module_prints_url_line_and_stops_on_sigterm():
    proc = subprocess.Popen([sys.executable, "-m", "crawler.fakeforge", "--port", "0", "--repos", "4"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("FAKEFORGE_URL=http://127.0.0.1:")
        url = line.strip().split("=", 1)[1]
        assert get_json(f"{url}/github/repos/coopcycle/coopcycle-web")["full_name"] == "coopcycle/coopcycle-web"
        proc.terminate()
        assert proc.wait(10) == 0
        assert proc.stdout.read() == ""
    finally:
        if proc.poll() is None:
            proc.kill()


def test_fake_forge_process_control_methods():
    with FakeForgeProcess(repos=4, latency_ms=0, rate_limit=100) as forge:
        assert forge.gitlab_api == f"{forge.url}/gitlab/api/v4"
        forge.add_fault(r"^/gitea/", "502")
        assert fetch(f"{forge.gitea_api}/repos/search")[0] == 502
        forge.mutate("gitea", "monnaie-libre/gestion-monnaie", description="Nouvelle")
        assert get_json(f"{forge.gitea_api}/repos/monnaie-libre/gestion-monnaie")["description"] == "Nouvelle"
        _, headers, _ = fetch(f"{forge.gitea_api}/repos/search")
        assert headers["X-RateLimit-Limit"] == "100"
        assert forge.stats()["by_status"] == {"502": 1, "200": 2}
        assert len(forge.repos("gitea")) == 4
        with pytest.raises(ValueError, match="fault kind"):
            forge.add_fault("x", "explode")


def test_bad_port_is_a_clear_error():
    with FakeForge(repos=1) as forge:
        port = forge.url.rsplit(":", 1)[1]
        done = subprocess.run([sys.executable, "-m", "crawler.fakeforge", "--port", port, "--repos", "1"],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and done.stderr.startswith(f"Error: cannot listen on 127.0.0.1:{port}")
        assert "Traceback" not in done.stderr


def test_gitlab_drops_totals_above_10000(ff):
    from crawler.fakeforge.server import _gl_headers, route

    r = route("/gitlab/api/v4/projects", "per_page=20")
    headers = dict(_gl_headers(ff.app, r, 10_001, 1, 20))
    assert "X-Total" not in headers and "X-Total-Pages" not in headers and 'rel="last"' not in headers["Link"]
    assert headers["X-Next-Page"] == "2"
    headers = dict(_gl_headers(ff.app, r, 10_000, 1, 20))
    assert headers["X-Total"] == "10000" and headers["X-Total-Pages"] == "500" and 'rel="last"' in headers["Link"]


def test_head_and_other_methods(ff):
    status, headers, body = fetch(f"{ff.github_api}/repos/coopcycle/coopcycle-web", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000
    assert fetch(f"{ff.github_api}/repos/coopcycle/coopcycle-web", method="DELETE")[0] == 405
