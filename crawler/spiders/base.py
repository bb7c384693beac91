"""What the three forge spiders share: discovery, one chain of requests per repository, 304s
turned back into the facts stored with the ETag, and faults that never stop the crawl.

A repository is crawled as a *job*: a small picklable dict carried in ``Request.meta`` (so a
Redis queue can hold it) with the facts gathered so far and the steps still to fetch. Each step
is one GET; its answer is parsed into *facts* (a small JSON value) that the crawl store keeps
with the answer's ETag / Last-Modified, so the next crawl's ``304 Not Modified`` gives the same
facts back without a body (docs/crawler.md, "Incremental crawling").
"""

from __future__ import annotations

import base64
import json
import logging
import math
import re
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.downloadermiddlewares.retry import get_retry_request

from crawler.items import RepositoryItem
from crawler.linkheader import last_page, parse_link_header
from crawler.sources import Forge, normalise_url
from registry.errors import ForgeResponseError

if TYPE_CHECKING:
    from scrapy.http import Response

logger = logging.getLogger(__name__)

# Bump when a parser changes what it derives from an answer: stored facts of an older version
# are then ignored and the URL is fetched again without a condition.
FACTS_VERSION = 2

README_EXCERPT = 4000
MANIFESTS = ("package.json",)
LICENCE_PREFIXES = ("license", "licence", "copying", "unlicense", "gnu-", "agpl", "gpl", "lgpl", "eupl",
                    "mpl", "mit-license", "apache-license")
CI_FILES = frozenset({
    ".gitlab-ci.yml", ".travis.yml", ".drone.yml", ".woodpecker.yml", ".woodpecker.yaml",
    "jenkinsfile", "azure-pipelines.yml", "bitbucket-pipelines.yml", ".cirrus.yml", "appveyor.yml",
    ".builds", ".circleci", ".woodpecker", "buildkite.yml",
})
# Directories that hold CI workflows only when they have a ``workflows`` folder inside.
CI_WORKFLOW_DIRS = (".github", ".forgejo", ".gitea")
TEST_NAMES = frozenset({
    "test", "tests", "spec", "specs", "__tests__", "testing", "t", "pytest.ini", "tox.ini",
    "phpunit.xml", "phpunit.xml.dist", "jest.config.js", "jest.config.ts", "karma.conf.js",
    "vitest.config.ts", "vitest.config.js", "noxfile.py", "cypress", "e2e",
})
PUBLICCODE_NAMES = ("publiccode.yml", "publiccode.yaml")


def is_licence_name(name: str) -> bool:
    try:
        from registry.licences import is_licence_filename
    except ImportError:  # pragma: no cover - registry/licences.py is always shipped
        return name.lower().startswith(LICENCE_PREFIXES)
    return bool(is_licence_filename(name))


class BadAnswer(ForgeResponseError):
    """A 200 answer we cannot use: not JSON, or JSON of the wrong shape."""


# SQLite stores integers of 64 bits: a larger count (a hostile or broken answer) is unknown.
MAX_INTEGER = 2**63 - 1
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def bounded_int(text: str) -> int | None:
    number = int(text)
    return number if -MAX_INTEGER <= number <= MAX_INTEGER else None


def _finite_float(text: str) -> float | None:
    number = float(text)
    return number if math.isfinite(number) else None


def _without_lone_surrogates(value: Any) -> Any:
    """``"caf\\ud800"`` decodes to a string UTF-8 cannot encode (SQLite, hashes, URLs): U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


def decode_json(response: Response) -> Any:
    """An answer's JSON, with what our store cannot keep made harmless: integers past 64 bits,
    NaN and infinities become ``None``, lone surrogates U+FFFD."""
    try:
        data = json.loads(response.body, parse_int=bounded_int, parse_float=_finite_float,
                          parse_constant=lambda name: None)
    except (ValueError, UnicodeDecodeError, RecursionError):
        kind = response.headers.get(b"Content-Type", b"").decode("latin-1").split(";")[0] or "unknown type"
        raise BadAnswer(response.url, response.status, f"malformed JSON ({kind}, {len(response.body)} bytes)") from None
    if _SURROGATE_ESCAPE.search(response.body):
        data = _without_lone_surrogates(data)
    return data


def expect(value: Any, kind: type, url: str, what: str) -> Any:
    if not isinstance(value, kind):
        raise BadAnswer(url, 200, f"expected {what}, got {type(value).__name__}")
    return value


def contents_entries(body: Any, url: str) -> dict[str, list[dict[str, str]]]:
    """The names and kinds of a ``/contents`` listing (GitHub and Gitea share its shape)."""
    entries = expect(body, list, url, "a directory listing")
    return {"entries": [{"name": e["name"], "type": "dir" if e.get("type") == "dir" else "file"}
                        for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)]}


def text_of(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


MAX_TOPICS = 50
MAX_TOPIC_LENGTH = 100


def clean_topics(values: Any) -> list[str]:
    """Topics as forges send them (GitHub ``topics``, GitLab ``topics`` or older ``tag_list``,
    Gitea ``topics``): strings only, stripped, without repeats, at most ``MAX_TOPICS``."""
    if not isinstance(values, list):
        return []
    topics: list[str] = []
    seen: set[str] = set()
    for value in values:
        text = text_of(value)
        if text is None or len(text) > MAX_TOPIC_LENGTH or text.lower() in seen:
            continue
        seen.add(text.lower())
        topics.append(text)
        if len(topics) == MAX_TOPICS:
            break
    return topics


def iso_date(value: Any) -> str | None:
    """A forge timestamp as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC, or None when absent or unreadable.
    Forges send ``2019-05-28T00:53:04.064Z`` (GitLab), ``2020-01-01T10:00:00+01:00`` (Gitea),
    ``2011-01-26T19:01:12Z`` (GitHub); a value without a timezone is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def public_url(value: Any) -> str | None:
    """A URL a forge gave (a mirror's source), without any user or password in it and without
    ``.git``; None when it is not an http(s) URL."""
    text = text_of(value)
    if text is None:
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    netloc = f"{host}:{port}" if port else host
    path = parts.path[:-4] if parts.path.endswith(".git") else parts.path
    return urlunsplit((parts.scheme.lower(), netloc, path, "", ""))


def int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def b64_text(content: Any) -> str:
    if not isinstance(content, str):
        return ""
    try:
        return base64.b64decode(content).decode("utf-8", "replace")
    except ValueError:
        return ""


def count_from(response: Response, items: list, per_page_one: bool = True) -> int | None:
    """The number of items of a list asked with ``per_page=1``: ``X-Total`` (GitLab),
    ``X-Total-Count`` (Gitea), else the last page number of the ``Link`` header (GitHub)."""
    for header in (b"X-Total", b"X-Total-Count"):
        value = response.headers.get(header)
        if value:
            try:
                number = bounded_int(value.decode("latin-1").strip())
            except ValueError:
                continue
            if number is not None and number >= 0:
                return number
    links = parse_link_header(response.headers.get(b"Link"), response.url)
    last = last_page(response.headers.get(b"Link"))
    if last is not None and per_page_one:
        return last
    if links.get("next"):
        # More pages, but no total and no last page (GitLab leaves both out past 10,000 items):
        # the count is unknown, not the length of this page.
        return None
    return len(items)


def release_facts(response: Response, items: list, date_field: str) -> dict[str, Any]:
    """Count, tag and date of the newest release of a ``per_page=1`` list. Drafts (GitHub,
    Gitea: ``draft``, with a null ``published_at``) and GitLab's upcoming releases are not
    releases yet."""
    latest = next((r for r in items if isinstance(r, dict) and r.get("draft") is not True
                   and r.get("upcoming_release") is not True), None)
    if latest is None:
        return {"count": count_from(response, items), "latest": None, "date": None}
    return {"count": count_from(response, items), "latest": text_of(latest.get("tag_name")),
            "date": iso_date(latest.get(date_field)) or iso_date(latest.get("created_at"))}


def classify_files(entries: list[dict]) -> dict[str, Any]:
    """From a root listing ``[{"name", "type": "file"|"dir"}]``: what the repository holds."""
    names = {e["name"].lower(): e for e in entries}
    readme = next((e["name"] for e in entries if e["type"] == "file" and e["name"].lower().startswith("readme")), None)
    licences = [e["name"] for e in entries if e["type"] == "file" and is_licence_name(e["name"])]
    ci = any(name in CI_FILES for name in names)
    workflow_dirs = [e["name"] for e in entries if e["type"] == "dir" and e["name"].lower() in CI_WORKFLOW_DIRS]
    tests = any(name in TEST_NAMES for name in names)
    publiccode = next((e["name"] for e in entries if e["name"].lower() in PUBLICCODE_NAMES and e["type"] == "file"),
                      None)
    manifests = [e["name"] for e in entries if e["type"] == "file" and e["name"].lower() in MANIFESTS]
    return {
        "readme": readme, "licence_files": sorted(licences), "has_ci": ci, "workflow_dirs": workflow_dirs,
        "has_tests": tests, "publiccode": publiccode, "manifests": manifests,
    }


class ForgeSpider(scrapy.Spider):
    """Base class. Subclasses set ``forge_type`` and implement the ``discovery_requests``,
    ``parse_listing_facts``, ``repository_summary`` and ``steps`` hooks.

    :param forge: a :class:`crawler.sources.Forge` (or its ``to_dict()``)
    :param submitted: repository web URLs named by submissions on this forge (always crawled)
    :param max_projects: stop discovering after this many repositories (a string is accepted)
    """

    forge_type = ""
    per_page = 100

    def __init__(self, forge: Forge | dict | None = None, submitted: Any = None, max_projects: Any = None,
                 **kwargs: Any):
        if isinstance(forge, dict):
            forge = Forge.from_dict(forge)
        if not isinstance(forge, Forge):
            raise ValueError(f"{type(self).__name__} needs forge=<a Forge from sources.yml>, got {forge!r}")
        if forge.type != self.forge_type:
            raise ValueError(f"forge {forge.id!r} has type {forge.type!r}; this spider crawls {self.forge_type!r}")
        kwargs.setdefault("name", f"{self.forge_type}-{forge.id}")
        super().__init__(**kwargs)
        self.forge = forge
        self.api = forge.api_url.rstrip("/")
        if isinstance(submitted, str):
            submitted = [u for u in submitted.split(",") if u.strip()]
        self.submitted = [u.strip() for u in submitted or []]
        if max_projects in (None, ""):
            self.max_projects = None
        else:
            try:
                self.max_projects = int(max_projects)
            except (TypeError, ValueError):
                raise ValueError(f"max_projects must be a whole number, got {max_projects!r}") from None
            if self.max_projects < 0:
                raise ValueError(f"max_projects must be 0 or more, got {max_projects!r}")
        self.scheduled: set[str] = set()

    # ----------------------------------------------------------------- plumbing

    @property
    def store(self):
        from crawler.store import open_store

        return open_store(self.settings.get("ESSFORGE_STORE"))

    def stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"essforge/{key}", count)

    def get(self, url: str, callback_step: str, job: dict | None = None, *, conditional: bool = True,
            **meta: Any) -> scrapy.Request:
        meta.update({"essforge_step": callback_step, "job": job, "essforge_conditional": conditional})
        return scrapy.Request(url, callback=self.on_answer, errback=self.on_failure, meta=meta,
                              dont_filter=job is not None)

    @property
    def page_size(self) -> int:
        wanted = self.settings.getint("ESSFORGE_PAGE_SIZE", 0) if getattr(self, "crawler", None) else 0
        return min(wanted, self.per_page) if wanted > 0 else self.per_page

    def budget_left(self) -> bool:
        return self.max_projects is None or len(self.scheduled) < self.max_projects

    async def start(self):
        for url in self.submitted:
            name = self.forge.full_name_for(url)
            if name is None:
                logger.warning("%s: %s is not served by this forge; skipped", self.forge.id, url)
                continue
            yield self.get(self.repository_api_url(name), "submitted", submitted_url=url)
        if self.max_projects == 0:
            return
        for request in self.discovery_requests():
            yield request

    # ----------------------------------------------------------------- answers

    def facts_for(self, response: Response, step: str, job: dict | None) -> tuple[bool, Any]:
        """``(ok, facts)`` of an answer: parsed from a 200, or the stored facts of a 304."""
        url = response.request.meta.get("essforge_url", response.request.url)
        store = self.store
        if response.status == 304:
            facts = store.facts(url, FACTS_VERSION)
            if facts is not None:
                self.stat("conditional/not_modified")
                return True, facts
            if response.request.meta.get("essforge_refetched"):
                # "Not modified" to a request that had no condition: asking again would loop.
                raise BadAnswer(url, 304, "answered 304 Not Modified to a request without conditions")
            # Stored facts are gone (a hand-cleaned store): ask again without a condition.
            self.stat("conditional/refetched")
            return False, response.request.replace(
                dont_filter=True,
                meta={**response.request.meta, "essforge_conditional": False, "essforge_refetched": True})
        if response.status in (404, 409, 410):
            return True, self.missing_facts(step)
        try:
            facts = self.parse_step(step, response, job)
        except BadAnswer:
            raise
        except Exception as error:  # noqa: BLE001 - an answer of a shape no parser expected
            raise BadAnswer(url, response.status, f"unexpected answer shape ({type(error).__name__}: {error})"[:300]) \
                from None
        headers = response.headers
        etag = headers.get(b"ETag")
        last_modified = headers.get(b"Last-Modified")
        store.save_http_state(url, etag.decode("latin-1") if etag else None,
                              last_modified.decode("latin-1") if last_modified else None, facts, FACTS_VERSION)
        return True, facts

    def missing_facts(self, step: str) -> Any:
        if step in ("listing", "submitted", "org"):
            return None
        return {"missing": True}

    def on_answer(self, response: Response) -> Iterator[Any]:
        step = response.meta["essforge_step"]
        job = response.meta.get("job")
        try:
            ok, facts = self.facts_for(response, step, job)
        except BadAnswer as error:
            retry = get_retry_request(response.request, spider=self, reason="bad_answer", max_retry_times=1)
            if retry is not None:
                yield retry
                return
            self.stat("errors/bad_answer")
            self.stat("errors/total")
            logger.error("%s: skipped an unusable answer: %s", self.forge.id, error)
            yield from self.after_step(step, job, None, response.meta, failed=True)
            return
        if not ok:
            yield facts  # a request to send again
            return
        yield from self.after_step(step, job, facts, response.meta)

    def on_failure(self, failure) -> Iterator[Any]:
        request = failure.request
        step = request.meta.get("essforge_step")
        self.stat("errors/total")
        self.stat(f"errors/{type(failure.value).__name__}")
        logger.error("%s: %s failed: %s", self.forge.id, request.url, failure.getErrorMessage()[:300])
        yield from self.after_step(step, request.meta.get("job"), None, request.meta, failed=True)

    def after_step(self, step: str, job: dict | None, facts: Any, meta: dict, *, failed: bool = False):
        if step in ("listing", "org"):
            if facts is None:
                if step == "org" and not failed and meta.get("fallback"):
                    yield self.get(meta["fallback"], "org")
                return
            for summary in facts.get("repos") or []:
                try:
                    requests = list(self.begin_job(summary))
                except (ValueError, TypeError, AttributeError) as error:  # a web_url such as 'https://x:abc/'
                    self.stat("errors/bad_item")
                    logger.error("%s: skipped a repository of %s: %s", self.forge.id, meta.get("essforge_url")
                                 or meta.get("essforge_step"), f"{type(error).__name__}: {error}"[:300])
                    continue
                yield from requests
            nxt = facts.get("next")
            if nxt and self.budget_left():
                yield from self.follow_next_page(nxt, step, facts, meta)
            return
        if step == "submitted":
            if facts is None:
                if not failed:
                    self.stat("missing/submitted")
                    logger.warning("%s: submitted repository %s not found (404)", self.forge.id,
                                   meta.get("submitted_url"))
                return
            yield from self.begin_job(facts, submitted_url=meta.get("submitted_url"), forced=True)
            return
        assert job is not None
        if failed:
            job["stale"].append(step)
        elif not (isinstance(facts, dict) and facts.get("missing")):
            self.apply(step, job, facts)
        else:
            self.apply_missing(step, job)
        yield from self.advance(job)

    def summaries(self, items: list, parse: Callable[[Any, str], dict], url: str) -> list[dict]:
        """The repositories of a listing page; an item that cannot be read is logged with the
        page's URL and skipped, so the rest of the page and the next pages are still crawled."""
        found = []
        for index, item in enumerate(items):
            try:
                found.append(parse(item, url))
            except BadAnswer as error:
                if getattr(self, "crawler", None) is not None:
                    self.stat("errors/bad_item")
                logger.warning("%s: skipped item %d of %s: %s", self.forge.id, index, url, error.detail)
        return found

    # ----------------------------------------------------------------- one repository

    def follow_next_page(self, url: str, step: str, facts: dict, meta: dict):
        """The request for a listing's next page, if it is one to follow: on the forge's API, after
        a page that listed something, and within ``ESSFORGE_MAX_PAGES`` pages of one listing."""
        if not self.forge.on_api(url):  # middlewares.SameForgeMiddleware checks redirects
            self.stat("skipped/offsite_link")
            logger.warning("%s: not following the next-page link %s: it is not on the forge's API",
                           self.forge.id, url[:300])
            return
        if not facts.get("repos"):
            self.stat("pagination/empty_page")
            return
        page = meta.get("essforge_page", 1) + 1
        limit = self.settings.getint("ESSFORGE_MAX_PAGES", 1000) if getattr(self, "crawler", None) else 1000
        if page > limit:
            self.stat("pagination/capped")
            logger.warning("%s: stopped a listing after %d pages at %s (ESSFORGE_MAX_PAGES)",
                           self.forge.id, page - 1, url[:300])
            return
        yield self.get(url, step, essforge_page=page)

    def begin_job(self, summary: dict, *, submitted_url: str | None = None, forced: bool = False):
        url = normalise_url(summary["web_url"])
        if url in self.scheduled:
            if submitted_url:
                self.scheduled_aliases.setdefault(url, []).append(submitted_url)
            return
        if not forced and not self.budget_left():
            return
        full_name = summary.get("full_name") or ""
        if self.forge.is_excluded(full_name, url):
            self.stat("skipped/excluded")
            return
        self.scheduled.add(url)
        if summary.get("fork"):
            self.stat("skipped/fork")
            yield RepositoryItem(url=url, forge_id=self.forge.id, forge_type=self.forge_type, full_name=full_name,
                                 data={"fork": True, "name": summary.get("name"), "full_name": full_name,
                                       "web_url": url, "parent": summary.get("parent")},
                                 skipped_reason="fork")
            return
        submitted = forced or self.is_submitted(url)
        if not submitted and self.store.done_in_run(url):
            self.stat("resumed/skipped")
            return
        job = {"summary": summary, "facts": {}, "stale": [], "queue": list(self.first_steps(summary)),
               "submitted": submitted, "aliases": [submitted_url] if submitted_url else []}
        # The job's first request goes through the duplicate filter (its later steps do not):
        # with --redis, that filter is shared, so a repository found by two listings that two
        # processes read is crawled by one of them only.
        yield from self.advance(job, claim=True)

    @property
    def scheduled_aliases(self) -> dict[str, list[str]]:
        if not hasattr(self, "_scheduled_aliases"):
            self._scheduled_aliases = {}
        return self._scheduled_aliases

    def is_submitted(self, url: str) -> bool:
        if not hasattr(self, "_submitted_keys"):
            self._submitted_keys = {normalise_url(u).lower() for u in self.submitted}
        return url.lower() in self._submitted_keys

    def advance(self, job: dict, *, claim: bool = False):
        while job["queue"]:
            step, url = job["queue"].pop(0)
            if url is None:
                continue
            request = self.get(url, step, job)
            yield request.replace(dont_filter=False) if claim else request
            return
        yield self.finish(job)

    def finish(self, job: dict) -> RepositoryItem | None:
        summary, facts = job["summary"], job["facts"]
        data = self.data_from(summary, facts)
        data["submitted"] = job["submitted"]
        url = normalise_url(summary["web_url"])
        if data.get("fork"):
            self.stat("skipped/fork")
            return RepositoryItem(url=url, forge_id=self.forge.id, forge_type=self.forge_type,
                                  full_name=summary.get("full_name") or "",
                                  data={"fork": True, "name": data.get("name"), "full_name": data.get("full_name"),
                                        "web_url": url, "parent": data.get("parent")}, skipped_reason="fork")
        aliases = list(job["aliases"]) + self.scheduled_aliases.get(url, [])
        return RepositoryItem(url=url, forge_id=self.forge.id, forge_type=self.forge_type,
                              full_name=summary.get("full_name") or "", data=data,
                              aliases=[a for a in aliases if normalise_url(a) != url],
                              stale_fields=self.stale_fields(job["stale"]))

    STEP_FIELDS = {
        "detail": ("stars", "forks", "open_issues", "archived", "mirror", "mirror_of", "licence_declarations"),
        "files": ("has_readme", "has_ci", "has_tests", "licence_declarations", "publiccode", "publiccode_errors"),
        "workflows": ("has_ci",),
        "contributors": ("contributors",),
        "releases": ("releases_count", "latest_release", "latest_release_date"),
        "licence_file": ("licence_declarations",),
        "manifest": ("licence_declarations",),
        "readme": ("readme_excerpt",),
        "publiccode": ("publiccode", "publiccode_errors"),
    }

    def stale_fields(self, steps: list[str]) -> list[str]:
        fields: list[str] = []
        for step in steps:
            fields.extend(self.STEP_FIELDS.get(step, ()))
        return sorted(set(fields))

    # ----------------------------------------------------------------- shared step logic

    def apply(self, step: str, job: dict, facts: Any) -> None:
        if step in ("licence_file", "manifest", "readme", "publiccode"):
            self.apply_file(step, job, facts)
            return
        job["facts"][step] = facts
        if step == "detail":
            job["summary"] = {**job["summary"], **facts}
            return
        if step == "files":
            self.plan_after_files(job, facts)

    def apply_missing(self, step: str, job: dict) -> None:
        if step == "files":
            job["facts"]["files"] = {"entries": []}
            self.plan_after_files(job, {"entries": []})
        elif step == "workflows":
            job["facts"]["workflows"] = {"present": False}

    def plan_after_files(self, job: dict, facts: dict) -> None:
        found = classify_files(facts.get("entries") or [])
        job["facts"]["classified"] = found
        summary = job["summary"]
        branch = summary.get("default_branch")
        extra: list[tuple[str, str | None]] = []
        if not found["has_ci"] and found["workflow_dirs"]:
            extra.append(("workflows", self.workflows_url(summary, found["workflow_dirs"][0])))
        api_licence = summary.get("api_licence")
        if api_licence in (None, "", "other", "NOASSERTION") and found["licence_files"]:
            for name in found["licence_files"][:3]:
                extra.append(("licence_file", self.file_url(summary, name, branch)))
            for name in found["manifests"]:
                extra.append(("manifest", self.file_url(summary, name, branch)))
        if found["publiccode"]:
            extra.append(("publiccode", self.file_url(summary, found["publiccode"], branch)))
        if found["readme"] and self.wants_readme(summary):
            extra.append(("readme", self.file_url(summary, found["readme"], branch)))
        job["queue"][0:0] = extra

    def wants_readme(self, summary: dict) -> bool:
        if self.settings.get("ESSFORGE_README", "needed") == "always":
            return True
        from registry.taxonomy import infer_sectors

        texts = {"description": summary.get("description") or ""}
        return not infer_sectors(texts, topics=summary.get("topics") or [])

    def data_from(self, summary: dict, facts: dict) -> dict[str, Any]:
        """The ``data`` object of docs/architecture.md from the summary and the steps' facts."""
        classified = facts.get("classified") or {}
        has_ci = classified.get("has_ci")
        if not has_ci and (facts.get("workflows") or {}).get("present"):
            has_ci = True
        declarations: list[list[str]] = []
        if summary.get("api_licence"):
            declarations.append(["forge_api", summary["api_licence"]])
        for key in ("licence_file", "manifest"):
            for item in facts.get(f"{key}s") or []:
                if item.get("value"):
                    declarations.append([item["source"], item["value"]])
        releases = facts.get("releases") or {}
        files_known = "files" in facts
        readme = (facts.get("readme") or {}).get("text")
        publiccode = (facts.get("publiccode") or {}).get("record")
        data = {
            "name": summary.get("name"), "full_name": summary.get("full_name"), "web_url": summary.get("web_url"),
            "description": summary.get("description"), "topics": list(summary.get("topics") or []),
            "homepage": summary.get("homepage"),
            "licence_declarations": declarations,
            "stars": summary.get("stars"), "forks": summary.get("forks"), "open_issues": summary.get("open_issues"),
            "contributors": (facts.get("contributors") or {}).get("count"),
            "created_at": summary.get("created_at"), "last_activity": summary.get("last_activity"),
            "archived": bool(summary.get("archived")), "mirror": bool(summary.get("mirror")),
            "mirror_of": summary.get("mirror_of"), "fork": bool(summary.get("fork")),
            "parent": summary.get("parent"),
            "default_branch": summary.get("default_branch"), "languages": list(summary.get("languages") or []),
            "latest_release": releases.get("latest"), "latest_release_date": releases.get("date"),
            "releases_count": releases.get("count"),
            "has_readme": bool(classified.get("readme")) if files_known else None,
            "has_ci": bool(has_ci) if files_known else None,
            "has_tests": bool(classified.get("has_tests")) if files_known else None,
            "readme_excerpt": readme[:README_EXCERPT] if readme else None,
            "publiccode": publiccode,
            "publiccode_errors": (facts.get("publiccode") or {}).get("errors"),
        }
        return data

    # file facts: the same shape for every forge
    def file_facts(self, step: str, text: str, name: str) -> dict[str, Any]:
        if step == "licence_file":
            from registry.licences import detect_licence_from_text

            return {"source": "licence_file", "name": name, "value": detect_licence_from_text(text)}
        if step == "manifest":
            return {"source": name, "name": name, "value": manifest_licence(name, text)}
        if step == "readme":
            return {"text": text[:README_EXCERPT]}
        if step == "publiccode":
            from registry.submissions import parse_publiccode_text

            try:
                record = parse_publiccode_text(text, name)
            except Exception as error:  # noqa: BLE001 - a maintainer's file: report, never crash
                problems = getattr(error, "errors", None) or [error]
                return {"record": None, "errors": [str(p) for p in problems][:5]}
            return {"record": record, "errors": []}
        raise ValueError(step)

    def apply_file(self, step: str, job: dict, facts: dict) -> None:
        if step in ("licence_file", "manifest"):
            job["facts"].setdefault(f"{step}s", []).append(facts)
        else:
            job["facts"][step] = facts

    # ----------------------------------------------------------------- hooks

    def discovery_requests(self) -> Iterator[scrapy.Request]:  # pragma: no cover - abstract
        raise NotImplementedError

    def repository_api_url(self, full_name: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def first_steps(self, summary: dict) -> list[tuple[str, str | None]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def file_url(self, summary: dict, path: str, branch: str | None) -> str:  # pragma: no cover
        raise NotImplementedError

    def workflows_url(self, summary: dict, directory: str) -> str:  # pragma: no cover
        raise NotImplementedError

    def parse_step(self, step: str, response: Response, job: dict | None) -> Any:  # pragma: no cover
        raise NotImplementedError


def manifest_licence(name: str, text: str) -> str | None:
    if isinstance(name, str) and name.lower() == "package.json":
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        value = data.get("license")
        if isinstance(value, dict):
            value = value.get("type")
        return value.strip() if isinstance(value, str) and value.strip() else None
    return None


def next_link(response: Response) -> str | None:
    return parse_link_header(response.headers.get(b"Link"), response.url).get("next")
