"""The fake forge's HTTP server: GitHub v3, GitLab v4 and Gitea v1 on 127.0.0.1.

Standard library only. One :class:`ForgeApp` holds the world, the caches, the rate limiters, the
faults and the counters; :class:`Handler` turns each HTTP request into a call to it. The spec is
``docs/fake-forge.md``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import socket
import struct
import threading
import time
from collections import OrderedDict
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from . import render
from .render import Bases
from .world import FORGES, Owner, Repo, World, parse_iso

FAULT_KINDS = ("500", "502", "503", "429", "403-ratelimit", "secondary", "timeout", "reset",
               "malformed", "truncated", "wrongshape", "html")
# Default `seconds` of the faults that have one (Retry-After, reset distance, hang time).
FAULT_SECONDS = {"429": 1, "403-ratelimit": 60, "secondary": 60, "timeout": 30}
GITHUB_DOCS = "https://docs.github.com/rest"
GITEA_SWAGGER = "https://codeberg.example/api/swagger"
JSON_TYPE = "application/json; charset=utf-8"
CACHE_BYTES = 64 * 1024 * 1024        # whole bodies
FRAGMENT_BYTES = 96 * 1024 * 1024     # encoded repository objects, the pieces of list pages


class RawJSON:
    """JSON already encoded (bodies assembled from cached per-repository fragments)."""

    __slots__ = ("data", "kind")

    def __init__(self, data: bytes, kind: str):
        self.data, self.kind = data, kind

    @classmethod
    def array(cls, parts: list[bytes]) -> "RawJSON":
        return cls(b"[" + b",".join(parts) + b"]", "list")


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Result:
    """What an endpoint answers, before conditional requests and faults are applied."""

    __slots__ = ("status", "body", "content_type", "headers", "last_modified", "etag", "kind_of_body")

    def __init__(self, status: int, payload: Any, headers: list[tuple[str, str]] | None = None,
                 last_modified: float | None = None, content_type: str = JSON_TYPE):
        self.status = status
        if isinstance(payload, bytes):
            self.body = payload
            self.kind_of_body = "bytes"
        elif isinstance(payload, RawJSON):
            self.body = payload.data
            self.kind_of_body = payload.kind
        else:
            self.body = dumps(payload)
            self.kind_of_body = "list" if isinstance(payload, list) else "object"
        self.content_type = content_type
        self.headers = headers or []
        self.last_modified = last_modified
        self.etag = '"' + hashlib.sha256(self.body).hexdigest()[:40] + '"'


class RateLimiter:
    """A fixed window of ``window_s`` seconds, started by the first request after the last reset.

    ``limit=None`` means off: the headers still say 5000 left, reset in an hour.
    """

    def __init__(self, limit: int | None, window_s: float, clock: Callable[[], float]):
        self.limit = limit
        self.window_s = window_s
        self.clock = clock
        self.used = 0
        self.reset_at: float | None = None
        self.lock = threading.Lock()

    def _roll(self, now: float) -> None:
        if self.reset_at is None or now >= self.reset_at:
            self.reset_at = now + self.window_s
            self.used = 0

    def take(self) -> tuple[bool, dict[str, Any]]:
        """Count one request; False (and nothing counted) when the window is used up."""
        with self.lock:
            now = self.clock()
            if self.limit is None:
                return True, self._state(now)
            self._roll(now)
            if self.used >= self.limit:
                return False, self._state(now)
            self.used += 1
            return True, self._state(now)

    def refund(self) -> None:
        with self.lock:
            if self.limit is not None and self.used > 0:
                self.used -= 1

    def peek(self) -> dict[str, Any]:
        with self.lock:
            now = self.clock()
            if self.limit is not None:
                self._roll(now)
            return self._state(now)

    def _state(self, now: float) -> dict[str, Any]:
        if self.limit is None:
            return {"limit": 5000, "used": 0, "remaining": 5000, "reset": math.ceil(now + 3600),
                    "retry_after": 3600}
        assert self.reset_at is not None
        return {"limit": self.limit, "used": self.used, "remaining": max(self.limit - self.used, 0),
                "reset": math.ceil(self.reset_at), "retry_after": max(1, math.ceil(self.reset_at - now))}


class LRUCache:
    """Bodies by key, bounded in bytes; entries carry the world version they were made at."""

    def __init__(self, max_bytes: int = CACHE_BYTES):
        self.max_bytes = max_bytes
        self.size = 0
        self.data: OrderedDict[Any, tuple[Any, Any, int]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any, version: Any) -> Any:
        with self.lock:
            found = self.data.get(key)
            if found is None:
                return None
            if found[0] != version:
                del self.data[key]
                self.size -= found[2]
                return None
            self.data.move_to_end(key)
            return found[1]

    def put(self, key: Any, version: Any, value: Any, size: int) -> None:
        with self.lock:
            old = self.data.pop(key, None)
            if old is not None:
                self.size -= old[2]
            self.data[key] = (version, value, size)
            self.size += size
            while self.size > self.max_bytes and self.data:
                _, (_, _, dropped) = self.data.popitem(last=False)
                self.size -= dropped

    def clear(self) -> None:
        with self.lock:
            self.data.clear()
            self.size = 0


class Fault:
    def __init__(self, path: str, kind: str, times: int = 1, seconds: float | None = None):
        if kind not in FAULT_KINDS:
            raise ValueError(f"fault kind must be one of {', '.join(FAULT_KINDS)}, not {kind!r}")
        if not isinstance(times, int) or times == 0 or times < -1:
            raise ValueError(f"fault times must be a positive integer or -1 (forever), not {times!r}")
        try:
            self.regex = re.compile(path)
        except (re.error, TypeError) as error:
            raise ValueError(f"fault path must be a regular expression, not {path!r}: {error}") from None
        self.path = path
        self.kind = kind
        self.times = times
        self.seconds = FAULT_SECONDS.get(kind) if seconds is None else seconds

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "kind": self.kind, "times": self.times, "seconds": self.seconds}


class HTTPError(Exception):
    def __init__(self, result: Result):
        self.result = result


def http_date(ts: float) -> str:
    return formatdate(ts, usegmt=True)


def _bool(value: str | None) -> bool | None:
    if value is None or value == "":
        return None
    return value.lower() in ("true", "1", "yes")


def _int(params: dict[str, str], name: str, default: int, low: int = 1, high: int | None = None) -> int:
    try:
        value = int(params.get(name, default))
    except ValueError:
        value = default
    value = max(value, low)
    return min(value, high) if high else value


# ---------------------------------------------------------------------------------------------
class ForgeApp:
    """Everything the server knows; thread-safe. Latency is slept in the request's own thread."""

    def __init__(self, world: World, server_url: str = "", latency_ms: float = 0,
                 rate_limit: int | None = None, rate_window_s: float = 60,
                 search_rate_limit: int | None = None, require_token: str | None = None,
                 gitea_limit_status: int = 429, clock: Callable[[], float] = time.time):
        self.world = world
        self.bases = Bases(server_url, world.web_bases)
        self.clock = clock
        self.require_token = require_token
        self.gitea_limit_status = gitea_limit_status
        self.latency_ms = float(latency_ms)
        self.path_latency: list[tuple[re.Pattern[str], float]] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()          # faults, latency, stats (short sections only)
        self.cache = LRUCache()
        self.list_cache = LRUCache()
        self.fragments = LRUCache(FRAGMENT_BYTES)
        self.stop_event = threading.Event()
        self.limiters: dict[str, RateLimiter] = {}
        for forge in FORGES:
            self.limiters[forge] = RateLimiter(rate_limit, rate_window_s, clock)
        self.limiters["github-search"] = RateLimiter(
            search_rate_limit if search_rate_limit is not None else rate_limit, rate_window_s, clock)
        self.reset_stats()

    # --- configuration -------------------------------------------------------------------
    def set_server_url(self, url: str) -> None:
        self.bases = Bases(url, self.world.web_bases)
        self.cache.clear()

    def reset_stats(self) -> None:
        with self.lock:
            self._stats: dict[str, Any] = {
                "requests": 0, "by_forge": {}, "by_kind": {}, "by_status": {}, "not_modified": 0,
                "rate_limited": 0, "faults": 0, "by_url": {}, "max_in_flight": 0,
            }
            self.in_flight = 0

    def stats(self) -> dict[str, Any]:
        with self.lock:
            out = json.loads(json.dumps(self._stats))
            out["in_flight"] = self.in_flight
            return out

    def add_fault(self, path: str, kind: str, times: int = 1, seconds: float | None = None) -> None:
        fault = Fault(path, kind, times, seconds)
        with self.lock:
            self.faults.append(fault)

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def list_faults(self) -> list[dict[str, Any]]:
        with self.lock:
            return [f.as_dict() for f in self.faults]

    def set_latency(self, ms: float, path_regex: str | None = None) -> None:
        if not isinstance(ms, (int, float)) or ms < 0:
            raise ValueError(f"latency ms must be a number >= 0, not {ms!r}")
        with self.lock:
            if path_regex is None:
                self.latency_ms = float(ms)
            else:
                try:
                    pattern = re.compile(path_regex)
                except (re.error, TypeError) as error:
                    raise ValueError(f"latency path must be a regular expression, not {path_regex!r}: {error}") from None
                self.path_latency = [(p, v) for p, v in self.path_latency if p.pattern != path_regex]
                self.path_latency.append((pattern, float(ms)))

    def set_rate_limit(self, forge: str, limit: int | None, window_s: float = 60) -> None:
        if forge not in self.limiters:
            raise ValueError(f"rate-limit forge must be one of {', '.join(self.limiters)}, not {forge!r}")
        if limit is not None and (not isinstance(limit, int) or limit < 0):
            raise ValueError(f"rate limit must be an integer >= 0 or null, not {limit!r}")
        if not isinstance(window_s, (int, float)) or window_s <= 0:
            raise ValueError(f"rate-limit window_s must be a number > 0, not {window_s!r}")
        self.limiters[forge] = RateLimiter(limit, window_s, self.clock)

    def add_repo(self, forge: str, owner: str, name: str, files: dict[str, Any] | None = None,
                 **fields: Any) -> dict[str, Any]:
        repo = self.world.add_repo(forge, owner, name, files=files, **fields)
        return repo.truth_record(self.world.web_bases[forge])

    def mutate(self, forge: str, full_name: str, files: dict[str, Any] | None = None,
               delete_files: list[str] | None = None, **fields: Any) -> dict[str, Any]:
        if forge not in FORGES:
            raise ValueError(f"forge must be one of {FORGES}, not {forge!r}")
        repo = self.world.mutate(forge, full_name, files=files, delete_files=delete_files, **fields)
        return repo.truth_record(self.world.web_bases[forge])

    def repos(self, forge: str | None = None) -> list[dict[str, Any]]:
        if forge is not None and forge not in FORGES:
            raise ValueError(f"forge must be one of {FORGES}, not {forge!r}")
        with self.world.lock:
            return [r.truth_record(self.world.web_bases[f]) for f in ([forge] if forge else FORGES)
                    for r in self.world.all(f)]

    # --- per request ---------------------------------------------------------------------
    def latency_for(self, target: str) -> float:
        with self.lock:
            for pattern, ms in reversed(self.path_latency):
                if pattern.search(target):
                    return ms
            return self.latency_ms

    def take_fault(self, target: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.regex.search(target):
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            self.faults.remove(fault)
                    return fault
        return None

    def enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            if self.in_flight > self._stats["max_in_flight"]:
                self._stats["max_in_flight"] = self.in_flight

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1

    def count(self, forge: str, kind: str, target: str, status: str, fault: bool = False,
              rate_limited: bool = False) -> None:
        with self.lock:
            s = self._stats
            s["requests"] += 1
            s["by_forge"][forge] = s["by_forge"].get(forge, 0) + 1
            s["by_kind"][kind] = s["by_kind"].get(kind, 0) + 1
            s["by_status"][status] = s["by_status"].get(status, 0) + 1
            s["by_url"][target] = s["by_url"].get(target, 0) + 1
            if status == "304":
                s["not_modified"] += 1
            if fault:
                s["faults"] += 1
            if rate_limited:
                s["rate_limited"] += 1

    # --- rendering with caches -----------------------------------------------------------
    def answer(self, route: "Route", target: str, authed: bool) -> Result:
        key = (target, authed)
        version = self.world.version
        cached = self.cache.get(key, version)
        if cached is not None:
            return cached
        with self.world.lock:
            version = self.world.version
            try:
                result = route.handler(self, route, authed)
            except HTTPError as error:
                result = error.result
        if result.status < 500:
            self.cache.put(key, version, result, len(result.body) + 200)
        return result

    def filtered(self, key: Any, make: Callable[[], list[Repo]]) -> list[Repo]:
        """Filtered and sorted repository lists, kept while the world does not change."""
        version = self.world.version
        found = self.list_cache.get(key, version)
        if found is None:
            found = make()
            self.list_cache.put(key, version, found, 64 + 8 * len(found))
        return found

    def fragment(self, repo: Repo, shape: str, make: Callable[[], dict[str, Any]]) -> bytes:
        """A repository object, encoded; valid while neither it nor its parent changes."""
        parent = self.world.get(repo.forge, repo.parent) if repo.fork and repo.parent else None
        tag = (repo.version, parent.id if parent else 0, parent.version if parent else 0, self.bases.server)
        key = (repo.forge, repo.id, shape)
        found = self.fragments.get(key, tag)
        if found is None:
            found = dumps(make())
            self.fragments.put(key, tag, found, len(found) + 100)
        return found

    # --- rate-limit headers --------------------------------------------------------------
    def limit_headers(self, forge: str, bucket: str, state: dict[str, Any]) -> list[tuple[str, str]]:
        if forge == "gitlab":
            return [("RateLimit-Limit", str(state["limit"])), ("RateLimit-Observed", str(state["used"])),
                    ("RateLimit-Remaining", str(state["remaining"])), ("RateLimit-Reset", str(state["reset"])),
                    ("RateLimit-ResetTime", http_date(state["reset"]))]
        headers = [("X-RateLimit-Limit", str(state["limit"])), ("X-RateLimit-Remaining", str(state["remaining"])),
                   ("X-RateLimit-Reset", str(state["reset"])), ("X-RateLimit-Used", str(state["used"]))]
        if forge == "github":
            headers.append(("X-RateLimit-Resource", "search" if bucket == "github-search" else "core"))
        return headers

    def limited(self, forge: str, bucket: str, state: dict[str, Any], authed: bool) -> Result:
        headers = self.limit_headers(forge, bucket, state)
        if forge == "github":
            who = "user ID 1" if authed else "127.0.0.1"
            return Result(403, {"message": f"API rate limit exceeded for {who}. (But here's the good news: "
                                "Authenticated requests get a higher rate limit. Check out the documentation "
                                "for more details.)" if not authed else f"API rate limit exceeded for {who}.",
                                "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api"},
                          headers)
        headers.append(("Retry-After", str(state["retry_after"])))
        if forge == "gitlab":
            return Result(429, b"Retry later\n", headers, content_type="text/plain")
        return Result(self.gitea_limit_status, {"message": "rate limit exceeded", "url": GITEA_SWAGGER}, headers)


# ---------------------------------------------------------------------------------------------
# Routing
# ---------------------------------------------------------------------------------------------
class Route:
    __slots__ = ("forge", "kind", "handler", "args", "params", "path")

    def __init__(self, forge: str, kind: str, handler: Callable[..., Result], args: list[str],
                 params: dict[str, str], path: str):
        self.forge, self.kind, self.handler, self.args, self.params, self.path = forge, kind, handler, args, params, path


def route(path: str, query: str) -> Route | None:
    params = dict(parse_qsl(query, keep_blank_values=True))
    raw = [s for s in path.split("/")]
    if len(raw) < 2 or raw[0] != "":
        return None
    head = raw[1]
    if head == "github":
        forge, segs = "github", raw[2:]
        table = GITHUB_ROUTES
    elif head == "gitlab" and raw[2:4] == ["api", "v4"]:
        forge, segs = "gitlab", raw[4:]
        table = GITLAB_ROUTES
    elif head == "gitea" and raw[2:4] == ["api", "v1"]:
        forge, segs = "gitea", raw[4:]
        table = GITEA_ROUTES
    elif head == "github-raw" and len(raw) >= 6:
        return Route("github", "github:raw", github_raw, [unquote(s) for s in raw[2:]], params, path)
    elif head == "gitea-web" and len(raw) >= 8 and raw[4:6] == ["raw", "branch"]:
        return Route("gitea", "gitea:raw", gitea_web_raw, [unquote(s) for s in raw[2:]], params, path)
    else:
        return None
    if segs and segs[-1] == "" and len(segs) > 1:
        segs = segs[:-1]
    for pattern, kind, handler in table:
        args = _match(pattern, segs)
        if args is not None:
            return Route(forge, f"{forge}:{kind}", handler, args, params, path)
    return Route(forge, f"{forge}:unknown", not_found, [], params, path)


def _match(pattern: list[str], segs: list[str]) -> list[str] | None:
    args: list[str] = []
    for i, part in enumerate(pattern):
        if part == "**":
            rest = segs[i:]
            if not rest or any(s == "" for s in rest):
                return None
            args.append("/".join(unquote(s) for s in rest))
            return args
        if i >= len(segs):
            return None
        if part == "*":
            if segs[i] == "":
                return None
            args.append(unquote(segs[i]))
        elif part != segs[i]:
            return None
    return args if len(segs) == len(pattern) else None


def not_found(app: ForgeApp, r: Route, authed: bool) -> Result:
    return Result(404, NOT_FOUND[r.forge](r.path))


NOT_FOUND = {
    "github": lambda path: {"message": "Not Found", "documentation_url": GITHUB_DOCS, "status": "404"},
    "gitlab": lambda path: {"message": "404 Not Found"},
    "gitea": lambda path: {"errors": None, "message": "not found", "url": GITEA_SWAGGER},
}


def _404(forge: str, what: str = "") -> HTTPError:
    if forge == "gitlab" and what:
        return HTTPError(Result(404, {"message": f"404 {what} Not Found"}))
    return HTTPError(Result(404, NOT_FOUND[forge]("")))


# --- pagination -------------------------------------------------------------------------------
def _page_url(app: ForgeApp, r: Route, **changes: Any) -> str:
    pairs = [(k, v) for k, v in r.params.items() if k not in changes]
    pairs += [(k, str(v)) for k, v in changes.items()]
    return f"{app.bases.server}{r.path}?{urlencode(pairs)}"


def _link(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    if not parts:
        return []
    return [("Link", ", ".join(f'<{url}>; rel="{rel}"' for rel, url in parts))]


def paginate(app: ForgeApp, r: Route, items: list[Any], default: int, maximum: int,
             size_param: str = "per_page", cap: int | None = None) -> tuple[list[Any], list[tuple[str, str]], int, int]:
    """Offset pagination: the slice, GitHub/Gitea-style Link header, page and per_page."""
    per = _int(r.params, size_param, default, 1, maximum)
    page = _int(r.params, "page", 1)
    total = len(items) if cap is None else min(len(items), cap)
    last = max(1, math.ceil(total / per))
    chunk = items[(page - 1) * per: page * per] if (page - 1) * per < total else []
    if cap is not None:
        chunk = chunk[: max(0, cap - (page - 1) * per)]
    rels: list[tuple[str, str]] = []
    if page > 1:
        rels.append(("prev", _page_url(app, r, page=min(page - 1, last))))
    if page < last:
        rels.append(("next", _page_url(app, r, page=page + 1)))
        rels.append(("last", _page_url(app, r, page=last)))
    if page > 1:
        rels.append(("first", _page_url(app, r, page=1)))
    return chunk, _link(rels), page, per


# ---------------------------------------------------------------------------------------------
# GitHub
# ---------------------------------------------------------------------------------------------
def _gh_repo(app: ForgeApp, r: Route) -> Repo:
    repo = app.world.get("github", f"{r.args[0]}/{r.args[1]}")
    if repo is None:
        raise _404("github")
    return repo


def _gh_dict(app: ForgeApp, repo: Repo, shape: str) -> bytes:
    world = app.world
    return app.fragment(repo, "gh-" + shape, lambda: render.github_repo(
        repo, world.owner("github", repo.owner), app.bases, shape, world))


def _repo_lm(repo: Repo) -> float:
    return parse_iso(repo.updated_at).timestamp()


def _file_lm(repo: Repo) -> float:
    return parse_iso(repo.pushed_at).timestamp()


SEARCH_TOKEN = re.compile(r'(-?)([A-Za-z_]+):("[^"]*"|\S+)|"([^"]*)"|(\S+)')


def _compare(value: Any, spec: str) -> bool:
    """GitHub range syntax: N, >N, >=N, <N, <=N, A..B, A..*, *..B (numbers or dates)."""
    def conv(text: str) -> Any:
        if isinstance(value, (int, float)):
            return float(text)
        return text
    try:
        v = value if isinstance(value, (int, float)) else value[:10]
        if ".." in spec:
            low, high = spec.split("..", 1)
            return (low == "*" or v >= conv(low)) and (high == "*" or v <= conv(high))
        for op, fn in ((">=", lambda a, b: a >= b), ("<=", lambda a, b: a <= b),
                       (">", lambda a, b: a > b), ("<", lambda a, b: a < b)):
            if spec.startswith(op):
                return fn(v, conv(spec[len(op):]))
        return v == conv(spec)
    except ValueError:
        return False


def _github_search_filter(app: ForgeApp, q: str) -> Callable[[Repo], bool]:
    checks: list[Callable[[Repo], bool]] = []
    fork = "false"
    for neg, qual, qval, phrase, word in SEARCH_TOKEN.findall(q):
        if qual:
            qual = qual.lower()
            qval = qval.strip('"')
            low = qval.lower()
            if qual == "fork":
                fork = low
                continue
            if qual in ("in", "is", "sort"):
                continue
            check: Callable[[Repo], bool]
            if qual == "topic":
                check = lambda r, v=low: v in (t.lower() for t in r.topics)
            elif qual in ("org", "user"):
                check = lambda r, v=low: r.owner.lower() == v
            elif qual == "repo":
                check = lambda r, v=low: r.full_name.lower() == v
            elif qual == "archived":
                check = lambda r, v=low: r.archived == (v == "true")
            elif qual == "language":
                check = lambda r, v=low: (r.language or "").lower() == v
            elif qual == "license":
                check = lambda r, v=low: (r.license or "").lower() == v
            elif qual == "stars":
                check = lambda r, v=qval: _compare(r.stars, v)
            elif qual == "forks":
                check = lambda r, v=qval: _compare(r.forks, v)
            elif qual in ("created", "pushed"):
                check = lambda r, v=qval, a=qual + "_at": _compare(getattr(r, a), v)
            else:
                words = f"{qual}:{qval}".lower()
                check = lambda r, v=words: v in _haystack(r)
            checks.append((lambda r, c=check: not c(r)) if neg else check)
        else:
            text = (phrase or word).lower()
            if text in ("and", "or"):
                continue
            checks.append(lambda r, v=text: v in _haystack(r))
    if fork == "only":
        checks.append(lambda r: r.fork)
    elif fork != "true":
        checks.append(lambda r: not r.fork)
    checks.append(lambda r: not r.private)
    return lambda r: all(c(r) for c in checks)


def _haystack(repo: Repo) -> str:
    found = repo.cache.get("haystack")
    if found is None:
        found = repo.cache["haystack"] = " ".join([repo.name, repo.description, *repo.topics]).lower()
    return found


def github_search(app: ForgeApp, r: Route, authed: bool) -> Result:
    q = r.params.get("q", "").strip()
    if not q:
        return Result(422, {"message": "Validation Failed", "errors": [
            {"resource": "Search", "field": "q", "code": "missing"}], "documentation_url": GITHUB_DOCS,
            "status": "422"})
    sort, order = r.params.get("sort", ""), r.params.get("order", "desc")
    key_fn = {"stars": lambda x: (x.stars, -x.id), "forks": lambda x: (x.forks, -x.id),
              "updated": lambda x: (x.updated_at, -x.id)}.get(sort)

    def make() -> list[Repo]:
        match = _github_search_filter(app, q)
        found = [x for x in app.world.all("github") if match(x)]
        if key_fn:
            found.sort(key=key_fn, reverse=order != "asc")
        return found

    items = app.filtered(("github-search", q, sort, order), make)
    per = _int(r.params, "per_page", 30, 1, 100)
    page = _int(r.params, "page", 1)
    if (page - 1) * per >= 1000:
        return Result(422, {"message": "Only the first 1000 search results are available",
                            "documentation_url": "https://docs.github.com/v3/search/", "status": "422"})
    chunk, link, _, _ = paginate(app, r, items, 30, 100, cap=1000)
    head = b'{"total_count":%d,"incomplete_results":false,"items":' % len(items)
    items_json = RawJSON.array([_gh_dict(app, x, "search") for x in chunk]).data
    return Result(200, RawJSON(head + items_json + b"}", "object"), link)


def _gh_owner(app: ForgeApp, login: str, org_only: bool) -> Owner:
    owner = app.world.owner("github", login)
    if owner is None or (org_only and owner.kind != "org"):
        raise _404("github")
    return owner


def _owner_repos(app: ForgeApp, forge: str, login: str, subgroups: bool = False) -> list[Repo]:
    low = login.lower()
    return [x for x in app.world.all(forge) if x.owner.lower() == low
            or (subgroups and x.owner.lower().startswith(low + "/"))]


def github_org(app: ForgeApp, r: Route, authed: bool) -> Result:
    owner = _gh_owner(app, r.args[0], True)
    return Result(200, render.github_org(owner, app.bases, len(_owner_repos(app, "github", owner.login))))


def github_user(app: ForgeApp, r: Route, authed: bool) -> Result:
    owner = _gh_owner(app, r.args[0], False)
    return Result(200, render.github_org(owner, app.bases, len(_owner_repos(app, "github", owner.login))))


def _github_repo_list(app: ForgeApp, r: Route, owner: Owner, default_type: str) -> Result:
    kind = r.params.get("type", default_type)
    sort = r.params.get("sort", "created" if default_type == "all" else "full_name")
    direction = r.params.get("direction", "asc" if sort == "full_name" else "desc")

    def make() -> list[Repo]:
        found = _owner_repos(app, "github", owner.login)
        if kind == "forks":
            found = [x for x in found if x.fork]
        elif kind == "sources":
            found = [x for x in found if not x.fork]
        key = {"full_name": lambda x: x.full_name.lower(), "updated": lambda x: x.updated_at,
               "pushed": lambda x: x.pushed_at}.get(sort, lambda x: x.created_at)
        return sorted(found, key=key, reverse=direction == "desc")

    items = app.filtered(("github-owner", owner.login.lower(), kind, sort, direction), make)
    chunk, link, _, _ = paginate(app, r, items, 30, 100)
    return Result(200, RawJSON.array([_gh_dict(app, x, "list") for x in chunk]), link)


def github_org_repos(app: ForgeApp, r: Route, authed: bool) -> Result:
    return _github_repo_list(app, r, _gh_owner(app, r.args[0], True), "all")


def github_user_repos(app: ForgeApp, r: Route, authed: bool) -> Result:
    return _github_repo_list(app, r, _gh_owner(app, r.args[0], False), "owner")


def github_repo(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gh_repo(app, r)
    return Result(200, RawJSON(_gh_dict(app, repo, "full"), "object"), last_modified=_repo_lm(repo))


def github_license(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gh_repo(app, r)
    path = repo.licence_file()
    if repo.license is None or path is None:
        raise _404("github")
    body = render.github_content(repo, path, "file", repo.files[path], app.bases, True)
    body["license"] = render.github_licence(repo.license, app.bases)
    return Result(200, body, last_modified=_file_lm(repo))


def github_topics(app: ForgeApp, r: Route, authed: bool) -> Result:
    return Result(200, {"names": list(_gh_repo(app, r).topics)})


def github_contributors(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gh_repo(app, r)
    chunk, link, _, _ = paginate(app, r, range(repo.contributors), 30, 100)
    return Result(200, [render.github_contributor(repo, i, app.bases) for i in chunk], link)


def _gh_author(app: ForgeApp, repo: Repo) -> dict[str, Any]:
    owner = app.world.owner("github", repo.owner)
    return render.github_user(owner.login, owner.id, app.bases)


def github_releases(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gh_repo(app, r)
    chunk, link, _, _ = paginate(app, r, repo.releases, 30, 100)
    author = _gh_author(app, repo)
    return Result(200, [render.github_release(repo, x, app.bases, author) for x in chunk], link)


def github_release_latest(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gh_repo(app, r)
    latest = repo.latest_release()
    if latest is None:
        raise _404("github")
    return Result(200, render.github_release(repo, latest, app.bases, _gh_author(app, repo)))


def _contents(app: ForgeApp, r: Route, forge: str, repo: Repo, path: str) -> Result:
    make = render.github_content if forge == "github" else render.gitea_content
    path = path.strip("/")
    if path in repo.files:
        return Result(200, make(repo, path, "file", repo.files[path], app.bases, True), last_modified=_file_lm(repo))
    listing = repo.listing(path)
    if listing is None:
        raise _404(forge)
    prefix = path + "/" if path else ""
    return Result(200, [make(repo, prefix + name, kind, data, app.bases, False) for name, kind, data in listing],
                  last_modified=_file_lm(repo))


def github_contents(app: ForgeApp, r: Route, authed: bool) -> Result:
    return _contents(app, r, "github", _gh_repo(app, r), r.args[2] if len(r.args) > 2 else "")


def github_readme(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gh_repo(app, r)
    path = repo.readme_file()
    if path is None:
        raise _404("github")
    return Result(200, render.github_content(repo, path, "file", repo.files[path], app.bases, True),
                  last_modified=_file_lm(repo))


def github_languages(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gh_repo(app, r)
    return Result(200, dict(sorted(repo.languages.items(), key=lambda kv: -kv[1])))


def github_raw(app: ForgeApp, r: Route, authed: bool) -> Result:
    owner, name, _branch, *rest = r.args
    repo = app.world.get("github", f"{owner}/{name}")
    path = "/".join(rest)
    if repo is None or path not in repo.files:
        return Result(404, b"404: Not Found", content_type="text/plain; charset=utf-8")
    return Result(200, repo.files[path], content_type="text/plain; charset=utf-8", last_modified=_file_lm(repo))


def github_rate_limit(app: ForgeApp, r: Route, authed: bool) -> Result:
    """Answered outside the cache (it changes with every request)."""
    def part(state: dict[str, Any]) -> dict[str, int]:
        return {k: state[k] for k in ("limit", "used", "remaining", "reset")}
    return Result(200, render.github_rate_limit({"core": part(app.limiters["github"].peek()),
                                                 "search": part(app.limiters["github-search"].peek())}))


GITHUB_ROUTES: list[tuple[list[str], str, Callable[..., Result]]] = [
    (["search", "repositories"], "search", github_search),
    (["rate_limit"], "rate_limit", github_rate_limit),
    (["orgs", "*"], "org", github_org),
    (["orgs", "*", "repos"], "org-repos", github_org_repos),
    (["users", "*"], "user", github_user),
    (["users", "*", "repos"], "user-repos", github_user_repos),
    (["repos", "*", "*"], "repo", github_repo),
    (["repos", "*", "*", "license"], "license", github_license),
    (["repos", "*", "*", "topics"], "topics", github_topics),
    (["repos", "*", "*", "contributors"], "contributors", github_contributors),
    (["repos", "*", "*", "releases"], "releases", github_releases),
    (["repos", "*", "*", "releases", "latest"], "release-latest", github_release_latest),
    (["repos", "*", "*", "contents"], "contents", github_contents),
    (["repos", "*", "*", "contents", "**"], "contents", github_contents),
    (["repos", "*", "*", "readme"], "readme", github_readme),
    (["repos", "*", "*", "languages"], "languages", github_languages),
]


# ---------------------------------------------------------------------------------------------
# GitLab
# ---------------------------------------------------------------------------------------------
def _gl_project(app: ForgeApp, ident: str) -> Repo:
    repo = app.world.get_id("gitlab", int(ident)) if ident.isdigit() else app.world.get("gitlab", ident)
    if repo is None:
        raise _404("gitlab", "Project")
    return repo


def _gl_dict(app: ForgeApp, repo: Repo, simple: bool, licence: bool = False) -> bytes:
    world = app.world
    return app.fragment(repo, f"gl-{simple}-{licence}", lambda: render.gitlab_project(
        repo, world.owner("gitlab", repo.owner), app.bases, world, simple=simple, licence=licence))


def _gl_headers(app: ForgeApp, r: Route, total: int, page: int, per: int) -> list[tuple[str, str]]:
    pages = max(1, math.ceil(total / per))
    rels = []
    if page > 1:
        rels.append(("prev", _page_url(app, r, page=page - 1)))
    if page < pages:
        rels.append(("next", _page_url(app, r, page=page + 1)))
    rels.append(("first", _page_url(app, r, page=1)))
    exact = total <= 10_000
    if exact:
        rels.append(("last", _page_url(app, r, page=pages)))
    headers = _link(rels) + [("X-Page", str(page)), ("X-Per-Page", str(per)),
                             ("X-Next-Page", str(page + 1) if page < pages else ""),
                             ("X-Prev-Page", str(page - 1) if page > 1 else "")]
    if exact:
        headers += [("X-Total", str(total)), ("X-Total-Pages", str(pages))]
    return headers


def _gl_list(app: ForgeApp, r: Route, authed: bool, key: Any, make: Callable[[], list[Repo]]) -> Result:
    params = r.params
    order_by = params.get("order_by", "created_at")
    sort = params.get("sort", "desc")
    if order_by not in ("id", "name", "path", "created_at", "updated_at", "last_activity_at", "star_count"):
        return Result(400, {"error": "order_by does not have a valid value"})
    if sort not in ("asc", "desc"):
        return Result(400, {"error": "sort does not have a valid value"})
    attr = {"name": lambda x: x.title.lower(), "path": lambda x: x.name.lower(), "id": lambda x: x.id,
            "created_at": lambda x: (x.created_at, x.id), "updated_at": lambda x: (x.updated_at, x.id),
            "last_activity_at": lambda x: (x.pushed_at, x.id), "star_count": lambda x: (x.stars, x.id)}[order_by]
    items = app.filtered(key + (order_by, sort), lambda: sorted(make(), key=attr, reverse=sort == "desc"))
    simple = not authed or _bool(params.get("simple")) is True
    per = _int(params, "per_page", 20, 1, 100)
    if params.get("pagination") == "keyset":
        if order_by != "id":
            return Result(405, {"message": "405 Method Not Allowed - Keyset pagination is not yet available "
                                           "for this order_by"})
        if "id_after" in params:
            bound = _int(params, "id_after", 0, 0)
            items = [x for x in items if x.id > bound]
        if "id_before" in params:
            bound = _int(params, "id_before", 0, 0)
            items = [x for x in items if x.id < bound]
        chunk = items[:per]
        headers: list[tuple[str, str]] = []
        if len(items) > per:
            change = {"id_after" if sort == "asc" else "id_before": chunk[-1].id}
            kept = {k: v for k, v in params.items() if k not in ("id_after", "id_before")}
            pairs = list(kept.items()) + [(k, str(v)) for k, v in change.items()]
            headers = _link([("next", f"{app.bases.server}{r.path}?{urlencode(pairs)}")])
        return Result(200, RawJSON.array([_gl_dict(app, x, simple) for x in chunk]), headers)
    page = _int(params, "page", 1)
    if page * per > 50_000:
        return Result(405, {"message": "Offset pagination has a maximum allowed offset of 50000 for requests "
                                       "that return objects of type Project. Remaining records can be retrieved "
                                       "using keyset pagination."})
    chunk = items[(page - 1) * per: page * per]
    return Result(200, RawJSON.array([_gl_dict(app, x, simple) for x in chunk]),
                  _gl_headers(app, r, len(items), page, per))


def _gl_search_key(r: Route) -> tuple[Any, ...]:
    p = r.params
    return (p.get("search", ""), p.get("topic", ""), p.get("archived", ""), p.get("visibility", ""))


def _gl_filter(r: Route, repos: list[Repo]) -> list[Repo]:
    p = r.params
    search = p.get("search", "").lower()
    topics = [t.strip().lower() for t in p.get("topic", "").split(",") if t.strip()]
    archived = _bool(p.get("archived"))
    visibility = p.get("visibility", "")
    out = []
    for x in repos:
        if x.private or (visibility and visibility != "public"):
            continue
        if search and search not in x.name.lower() and search not in x.title.lower() \
                and search not in (x.description or "").lower():
            continue
        if topics and not all(t in (y.lower() for y in x.topics) for t in topics):
            continue
        if archived is not None and x.archived != archived:
            continue
        out.append(x)
    return out


def gitlab_projects(app: ForgeApp, r: Route, authed: bool) -> Result:
    return _gl_list(app, r, authed, ("gl-projects",) + _gl_search_key(r),
                    lambda: _gl_filter(r, app.world.all("gitlab")))


def _gl_group(app: ForgeApp, ident: str) -> Owner:
    owner = (app.world.owner_ids["gitlab"].get(int(ident)) if ident.isdigit()
             else app.world.owner("gitlab", ident))
    if owner is None or owner.kind != "org":
        raise _404("gitlab", "Group")
    return owner


def gitlab_group(app: ForgeApp, r: Route, authed: bool) -> Result:
    return Result(200, render.gitlab_group(_gl_group(app, r.args[0]), app.bases, app.world))


def gitlab_group_projects(app: ForgeApp, r: Route, authed: bool) -> Result:
    group = _gl_group(app, r.args[0])
    sub = _bool(r.params.get("include_subgroups")) is True
    return _gl_list(app, r, authed, ("gl-group", group.login.lower(), sub) + _gl_search_key(r),
                    lambda: _gl_filter(r, _owner_repos(app, "gitlab", group.login, sub)))


def gitlab_user_projects(app: ForgeApp, r: Route, authed: bool) -> Result:
    user = app.world.owner("gitlab", r.args[0])
    if user is None or user.kind != "user":
        raise _404("gitlab", "User")
    return _gl_list(app, r, authed, ("gl-user", user.login.lower()) + _gl_search_key(r),
                    lambda: _gl_filter(r, _owner_repos(app, "gitlab", user.login)))


def gitlab_project(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gl_project(app, r.args[0])
    licence = _bool(r.params.get("license")) is True
    return Result(200, RawJSON(_gl_dict(app, repo, False, licence), "object"), last_modified=_repo_lm(repo))


def gitlab_tree(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gl_project(app, r.args[0])
    path = r.params.get("path", "").strip("/")
    if _bool(r.params.get("recursive")):
        prefix = path + "/" if path else ""
        entries: dict[str, tuple[str, bytes | None]] = {}
        for fpath, data in repo.files.items():
            if not fpath.startswith(prefix):
                continue
            parts = fpath.split("/")
            for depth in range(len(prefix.split("/")) if prefix else 1, len(parts)):
                entries.setdefault("/".join(parts[:depth]), ("dir", None))
            entries[fpath] = ("file", data)
        if path and not entries:
            raise _404("gitlab", "Tree")
        items = [render.gitlab_tree_item(repo, p, k, d) for p, (k, d) in sorted(entries.items())]
    else:
        listing = repo.listing(path)
        if listing is None or (path in repo.files):
            raise _404("gitlab", "Tree")
        prefix = path + "/" if path else ""
        items = [render.gitlab_tree_item(repo, prefix + n, k, d) for n, k, d in
                 sorted(listing, key=lambda e: (e[1] != "dir", e[0]))]
    page = _int(r.params, "page", 1)
    per = _int(r.params, "per_page", 20, 1, 100)
    chunk = items[(page - 1) * per: page * per]
    return Result(200, chunk, _gl_headers(app, r, len(items), page, per))


def _gl_file(app: ForgeApp, r: Route) -> tuple[Repo, str]:
    repo = _gl_project(app, r.args[0])
    path = r.args[1]
    ref = r.params.get("ref", repo.default_branch)
    if path not in repo.files or ref not in (repo.default_branch, "HEAD"):
        raise _404("gitlab", "File")
    return repo, path


def gitlab_file_raw(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo, path = _gl_file(app, r)
    return Result(200, repo.files[path], content_type="text/plain; charset=utf-8", last_modified=_file_lm(repo))


def gitlab_file(app: ForgeApp, r: Route, authed: bool) -> Result:
    if not r.params.get("ref"):
        return Result(400, {"error": "ref is missing, ref is empty"})
    repo, path = _gl_file(app, r)
    headers = [("X-Gitlab-File-Path", path), ("X-Gitlab-Ref", repo.default_branch)]
    return Result(200, render.gitlab_file(repo, path, repo.files[path]), headers, last_modified=_file_lm(repo))


def gitlab_releases(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gl_project(app, r.args[0])
    owner = app.world.owner("gitlab", repo.owner)
    page = _int(r.params, "page", 1)
    per = _int(r.params, "per_page", 20, 1, 100)
    chunk = repo.releases[(page - 1) * per: page * per]
    return Result(200, [render.gitlab_release(repo, x, app.bases, owner) for x in chunk],
                  _gl_headers(app, r, len(repo.releases), page, per))


def gitlab_release_latest(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gl_project(app, r.args[0])
    latest = repo.latest_release()
    if latest is None:
        raise _404("gitlab")
    return Result(200, render.gitlab_release(repo, latest, app.bases, app.world.owner("gitlab", repo.owner)))


def gitlab_contributors(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _gl_project(app, r.args[0])
    page = _int(r.params, "page", 1)
    per = _int(r.params, "per_page", 20, 1, 100)
    people = range(repo.contributors)[(page - 1) * per: page * per]
    body = [{"name": f"Contributor {i}" if i else repo.owner.rsplit('/', 1)[-1],
             "email": f"contrib{i}-{repo.id}@example.org", "commits": max(1, 500 // (i + 1)),
             "additions": 0, "deletions": 0} for i in people]
    return Result(200, body, _gl_headers(app, r, repo.contributors, page, per))


def gitlab_languages(app: ForgeApp, r: Route, authed: bool) -> Result:
    return Result(200, render.gitlab_languages(_gl_project(app, r.args[0])))


GITLAB_ROUTES: list[tuple[list[str], str, Callable[..., Result]]] = [
    (["projects"], "projects", gitlab_projects),
    (["groups", "*"], "group", gitlab_group),
    (["groups", "*", "projects"], "group-projects", gitlab_group_projects),
    (["users", "*", "projects"], "user-projects", gitlab_user_projects),
    (["projects", "*"], "project", gitlab_project),
    (["projects", "*", "repository", "tree"], "tree", gitlab_tree),
    (["projects", "*", "repository", "files", "*", "raw"], "file-raw", gitlab_file_raw),
    (["projects", "*", "repository", "files", "*"], "file", gitlab_file),
    (["projects", "*", "releases"], "releases", gitlab_releases),
    (["projects", "*", "releases", "permalink", "latest"], "release-latest", gitlab_release_latest),
    (["projects", "*", "repository", "contributors"], "contributors", gitlab_contributors),
    (["projects", "*", "languages"], "languages", gitlab_languages),
]


# ---------------------------------------------------------------------------------------------
# Gitea / Forgejo
# ---------------------------------------------------------------------------------------------
def _ge_repo(app: ForgeApp, r: Route) -> Repo:
    repo = app.world.get("gitea", f"{r.args[0]}/{r.args[1]}")
    if repo is None:
        raise _404("gitea")
    return repo


def _ge_dict(app: ForgeApp, repo: Repo) -> bytes:
    world = app.world
    return app.fragment(repo, "ge", lambda: render.gitea_repo(repo, world.owner("gitea", repo.owner), app.bases, world))


def _gitea_list(app: ForgeApp, r: Route, items: list[Repo], wrap: bool) -> Result:
    chunk, link, _, _ = paginate(app, r, items, 30, 50, size_param="limit")
    headers = link + [("X-Total-Count", str(len(items)))]
    body = RawJSON.array([_ge_dict(app, x) for x in chunk])
    if wrap:
        body = RawJSON(b'{"data":' + body.data + b',"ok":true}', "object")
    return Result(200, body, headers)


GITEA_SORTS: dict[str, Callable[[Repo], Any]] = {
    "alpha": lambda x: x.full_name.lower(), "created": lambda x: (x.created_at, x.id),
    "updated": lambda x: (x.updated_at, x.id), "size": lambda x: (x.size, x.id), "id": lambda x: x.id,
    "stars": lambda x: (x.stars, x.id), "forks": lambda x: (x.forks, x.id),
}


def gitea_search(app: ForgeApp, r: Route, authed: bool) -> Result:
    p = r.params
    q = p.get("q", "").lower()
    by_topic = _bool(p.get("topic")) is True
    in_desc = _bool(p.get("includeDesc")) is True
    mode = p.get("mode", "")
    archived = _bool(p.get("archived"))
    sort = p.get("sort", "alpha")
    order = p.get("order", "asc")
    if sort not in GITEA_SORTS:
        return Result(422, {"ok": False, "error": f"invalid sort {sort!r}"})

    def match(x: Repo) -> bool:
        if x.private:
            return False
        if q:
            if by_topic:
                if q not in (t.lower() for t in x.topics):
                    return False
            elif q not in x.name.lower() and not (in_desc and q in (x.description or "").lower()):
                return False
        if mode == "fork" and not x.fork or mode == "source" and (x.fork or x.mirror) \
                or mode == "mirror" and not x.mirror:
            return False
        return archived is None or x.archived == archived

    items = app.filtered(("gitea-search", q, by_topic, in_desc, mode, archived, sort, order), lambda: sorted(
        (x for x in app.world.all("gitea") if match(x)), key=GITEA_SORTS[sort], reverse=order == "desc"))
    return _gitea_list(app, r, items, True)


def _ge_owner(app: ForgeApp, login: str, org_only: bool) -> Owner:
    owner = app.world.owner("gitea", login)
    if owner is None or (org_only and owner.kind != "org"):
        raise _404("gitea")
    return owner


def gitea_org(app: ForgeApp, r: Route, authed: bool) -> Result:
    return Result(200, render.gitea_org(_ge_owner(app, r.args[0], True), app.bases))


def _ge_owner_list(app: ForgeApp, r: Route, owner: Owner) -> Result:
    items = app.filtered(("gitea-owner", owner.login.lower()), lambda: sorted(
        _owner_repos(app, "gitea", owner.login), key=lambda x: x.id))
    return _gitea_list(app, r, items, False)


def gitea_org_repos(app: ForgeApp, r: Route, authed: bool) -> Result:
    return _ge_owner_list(app, r, _ge_owner(app, r.args[0], True))


def gitea_user_repos(app: ForgeApp, r: Route, authed: bool) -> Result:
    return _ge_owner_list(app, r, _ge_owner(app, r.args[0], False))


def gitea_repo(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _ge_repo(app, r)
    return Result(200, RawJSON(_ge_dict(app, repo), "object"), last_modified=_repo_lm(repo))


def gitea_contents(app: ForgeApp, r: Route, authed: bool) -> Result:
    return _contents(app, r, "gitea", _ge_repo(app, r), r.args[2] if len(r.args) > 2 else "")


def gitea_raw(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _ge_repo(app, r)
    path = r.args[2]
    if path not in repo.files:
        raise _404("gitea")
    return Result(200, repo.files[path], content_type="text/plain; charset=utf-8", last_modified=_file_lm(repo))


def gitea_web_raw(app: ForgeApp, r: Route, authed: bool) -> Result:
    owner, name, _raw, _branch, _ref, *rest = r.args
    repo = app.world.get("gitea", f"{owner}/{name}")
    path = "/".join(rest)
    if repo is None or path not in repo.files:
        return Result(404, b"Not found.\n", content_type="text/plain; charset=utf-8")
    return Result(200, repo.files[path], content_type="text/plain; charset=utf-8", last_modified=_file_lm(repo))


def gitea_releases(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _ge_repo(app, r)
    owner = app.world.owner("gitea", repo.owner)
    chunk, link, _, _ = paginate(app, r, repo.releases, 30, 50, size_param="limit")
    return Result(200, [render.gitea_release(repo, x, app.bases, owner) for x in chunk],
                  link + [("X-Total-Count", str(len(repo.releases)))])


def gitea_release_latest(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _ge_repo(app, r)
    latest = repo.latest_release()
    if latest is None:
        raise _404("gitea")
    return Result(200, render.gitea_release(repo, latest, app.bases, app.world.owner("gitea", repo.owner)))


def gitea_languages(app: ForgeApp, r: Route, authed: bool) -> Result:
    repo = _ge_repo(app, r)
    return Result(200, dict(sorted(repo.languages.items(), key=lambda kv: -kv[1])))


def gitea_topics(app: ForgeApp, r: Route, authed: bool) -> Result:
    return Result(200, {"topics": list(_ge_repo(app, r).topics)})


def gitea_licenses(app: ForgeApp, r: Route, authed: bool) -> Result:
    return Result(200, render.gitea_licences(_ge_repo(app, r)))


GITEA_ROUTES: list[tuple[list[str], str, Callable[..., Result]]] = [
    (["repos", "search"], "search", gitea_search),
    (["orgs", "*"], "org", gitea_org),
    (["orgs", "*", "repos"], "org-repos", gitea_org_repos),
    (["users", "*", "repos"], "user-repos", gitea_user_repos),
    (["repos", "*", "*"], "repo", gitea_repo),
    (["repos", "*", "*", "contents"], "contents", gitea_contents),
    (["repos", "*", "*", "contents", "**"], "contents", gitea_contents),
    (["repos", "*", "*", "raw", "**"], "raw", gitea_raw),
    (["repos", "*", "*", "releases"], "releases", gitea_releases),
    (["repos", "*", "*", "releases", "latest"], "release-latest", gitea_release_latest),
    (["repos", "*", "*", "languages"], "languages", gitea_languages),
    (["repos", "*", "*", "topics"], "topics", gitea_topics),
    (["repos", "*", "*", "licenses"], "licenses", gitea_licenses),
]


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------
def _token(headers: Any) -> str | None:
    private = headers.get("PRIVATE-TOKEN")
    if private:
        return private.strip()
    auth = headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() in ("token", "bearer") and value.strip():
        return value.strip()
    return None


def _etag_matches(header: str, etag: str) -> bool:
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


def _not_modified(headers: Any, result: Result) -> bool:
    inm = headers.get("If-None-Match")
    if inm is not None:
        return _etag_matches(inm, result.etag)
    ims = headers.get("If-Modified-Since")
    if ims and result.last_modified is not None:
        try:
            return math.floor(result.last_modified) <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True   # headers and body leave in one write anyway
    server_version = "essforge-fakeforge/1"
    app: ForgeApp   # set on the subclass made by FakeForgeServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (ConnectionError, socket.timeout, OSError):
            self.close_connection = True

    def do_GET(self) -> None:
        self._serve("GET")

    def do_HEAD(self) -> None:
        self._serve("HEAD")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def do_PUT(self) -> None:
        self._serve("PUT")

    # --- sending ---------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, headers: list[tuple[str, str]],
              head: bool = False, cut: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        if cut is not None:
            self.send_header("Connection", "close")
            self.close_connection = True
        self._headers_buffer.append(b"\r\n")
        if not head and status != 304:
            self._headers_buffer.append(body if cut is None else body[:cut])
        self.flush_headers()

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), JSON_TYPE, [])

    def _reset(self) -> None:
        """Close with an RST: SO_LINGER on, timeout 0."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    # --- the request -----------------------------------------------------------------------
    def _serve(self, method: str) -> None:
        split = urlsplit(self.path)
        path, query = split.path, split.query
        target = path + ("?" + query if query else "")
        if path.startswith("/_control/"):
            self._control(method, path, dict(parse_qsl(query)))
            return
        app = self.app
        app.enter()
        try:
            self._api(app, method, path, query, target)
        finally:
            app.leave()

    def _api(self, app: ForgeApp, method: str, path: str, query: str, target: str) -> None:
        r = route(path, query)
        if r is None:
            app.count("none", "unknown", target, "404")
            self._send(404, b'{"message":"Not Found"}', JSON_TYPE, [])
            return
        forge, kind = r.forge, r.kind
        latency = app.latency_for(target)
        if latency > 0:
            time.sleep(latency / 1000)
        head = method == "HEAD"
        if method not in ("GET", "HEAD"):
            app.count(forge, kind, target, "405")
            self._send(405, b'{"message":"Method Not Allowed"}', JSON_TYPE, [("Allow", "GET, HEAD")])
            return
        fault = app.take_fault(target)
        if fault is not None and fault.kind in ("timeout", "reset", "500", "502", "503", "429",
                                                "403-ratelimit", "secondary"):
            self._fault(app, r, target, fault, None)
            return
        token = _token(self.headers)
        authed = token is not None
        if app.require_token is not None and token != app.require_token:
            app.count(forge, kind, target, "401")
            self._send(401, json.dumps(_unauthorized(forge, token)).encode(), JSON_TYPE, [])
            return
        bucket = "github-search" if kind == "github:search" else forge
        limiter = app.limiters[bucket]
        if kind == "github:rate_limit":
            result = github_rate_limit(app, r, authed)
            state = limiter.peek()
        else:
            allowed, state = limiter.take()
            if not allowed:
                result = app.limited(forge, bucket, state, authed)
                app.count(forge, kind, target, str(result.status), rate_limited=True)
                self._send(result.status, result.body, result.content_type, result.headers, head)
                return
            result = app.answer(r, target, authed)
        headers = list(result.headers) + app.limit_headers(forge, bucket, state)
        if result.status == 200:
            headers.append(("ETag", result.etag))
            if result.last_modified is not None:
                headers.append(("Last-Modified", http_date(result.last_modified)))
        headers.append(("Cache-Control", "private, max-age=60, s-maxage=60"))
        headers.append(("Vary", "Accept, Authorization, Cookie"))
        if fault is not None:
            self._fault(app, r, target, fault, result, headers)
            return
        if result.status == 200 and _not_modified(self.headers, result):
            if forge == "github" and authed and kind != "github:rate_limit":
                limiter.refund()   # GitHub does not count a 304 answered to an authenticated request
                state = limiter.peek()
                headers = [h for h in headers if not h[0].startswith("X-RateLimit")] + \
                    app.limit_headers(forge, bucket, state)
            app.count(forge, kind, target, "304")
            self._send(304, b"", result.content_type, [h for h in headers if h[0] != "Link"], True)
            return
        app.count(forge, kind, target, str(result.status))
        self._send(result.status, result.body, result.content_type, headers, head)

    def _fault(self, app: ForgeApp, r: Route, target: str, fault: Fault, result: Result | None,
               headers: list[tuple[str, str]] | None = None) -> None:
        kind, seconds = fault.kind, fault.seconds
        forge = r.forge
        app.count(forge, r.kind, target, "reset" if kind == "reset" else "timeout" if kind == "timeout"
                  else _FAULT_STATUS.get(kind, "200"), fault=True)
        if kind == "reset":
            self._reset()
            return
        if kind == "timeout":
            app.stop_event.wait(seconds or 0)
            self.close_connection = True   # then a plain close, no answer at all
            return
        if kind in ("500", "502", "503"):
            status = int(kind)
            body = {"500": b'{"message":"500 Internal Server Error"}',
                    "502": b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                    "503": b"<html><body><h1>503 Service Unavailable</h1></body></html>"}[kind]
            self._send(status, body, JSON_TYPE if kind == "500" else "text/html", [])
            return
        now = app.clock()
        if kind == "429":
            self._send(429, b'{"message":"Too Many Requests"}', JSON_TYPE,
                       [("Retry-After", str(math.ceil(seconds or 0)))])
            return
        if kind == "403-ratelimit":
            limiter = app.limiters[forge]
            state = dict(limiter.peek(), remaining=0, reset=math.ceil(now + (seconds or 0)),
                         retry_after=math.ceil(seconds or 0))
            hdrs = app.limit_headers(forge, forge, state)
            self._send(403, json.dumps({"message": "API rate limit exceeded for 127.0.0.1.",
                                        "documentation_url": GITHUB_DOCS}).encode(), JSON_TYPE, hdrs)
            return
        if kind == "secondary":
            self._send(403, json.dumps({"message": "You have exceeded a secondary rate limit. Please wait a few "
                                        "minutes before you try again.",
                                        "documentation_url": GITHUB_DOCS}).encode(), JSON_TYPE,
                       [("Retry-After", str(math.ceil(seconds or 0)))])
            return
        assert result is not None and headers is not None
        headers = [h for h in headers if h[0] not in ("ETag", "Last-Modified")]
        if kind == "malformed":
            body = result.body[: max(1, len(result.body) // 2)]
            if body[-1:] in (b"}", b"]"):
                body = body[:-1]
            self._send(200, body + b',"', JSON_TYPE, headers)
        elif kind == "truncated":
            self._send(200, result.body, result.content_type, headers, cut=len(result.body) // 2)
        elif kind == "wrongshape":
            body = b'{"message":"unexpected"}' if result.kind_of_body == "list" else b'["unexpected"]'
            self._send(200, body, JSON_TYPE, headers)
        elif kind == "html":
            self._send(200, b"<!DOCTYPE html><html><head><title>Maintenance</title></head>"
                            b"<body><h1>We'll be back soon</h1></body></html>",
                       "text/html; charset=utf-8", headers)

    # --- control API -------------------------------------------------------------------------
    def _control(self, method: str, path: str, params: dict[str, str]) -> None:
        app = self.app
        name = path[len("/_control/"):].strip("/")
        try:
            body: Any = None
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError as error:
                    raise ValueError(f"the body of {method} {path} must be JSON: {error}") from None
            if (method, name) == ("GET", "stats"):
                return self._json(200, app.stats())
            if (method, name) == ("POST", "reset-stats"):
                app.reset_stats()
                return self._json(200, {"ok": True})
            if name == "faults":
                if method == "GET":
                    return self._json(200, app.list_faults())
                if method == "DELETE":
                    app.clear_faults()
                    return self._json(200, {"ok": True})
                if method == "POST":
                    specs = body if isinstance(body, list) else [body]
                    for spec in specs:
                        if not isinstance(spec, dict) or "path" not in spec or "kind" not in spec:
                            raise ValueError(f"each fault must be an object with 'path' and 'kind', not {spec!r}")
                        unknown = set(spec) - {"path", "kind", "times", "seconds"}
                        if unknown:
                            raise ValueError(f"unknown fault fields: {sorted(unknown)!r}")
                        Fault(**spec)   # validate all before adding any
                    for spec in specs:
                        app.add_fault(**spec)
                    return self._json(200, app.list_faults())
            if (method, name) == ("POST", "latency"):
                _need_object(body, "latency")
                app.set_latency(body.get("ms"), body.get("path"))
                return self._json(200, {"ok": True})
            if (method, name) == ("POST", "rate-limit"):
                _need_object(body, "rate-limit")
                app.set_rate_limit(body.get("forge"), body.get("limit"), body.get("window_s", 60))
                return self._json(200, {"ok": True})
            if name == "repos" and method == "GET":
                return self._json(200, app.repos(params.get("forge")))
            if name == "repos" and method == "POST":
                _need_object(body, "repos")
                spec = dict(body)
                missing = [k for k in ("forge", "owner", "name") if k not in spec]
                if missing:
                    raise ValueError(f"POST /_control/repos needs {', '.join(missing)}")
                return self._json(200, app.add_repo(spec.pop("forge"), spec.pop("owner"), spec.pop("name"),
                                                    **spec))
            if (method, name) == ("POST", "mutate"):
                _need_object(body, "mutate")
                spec = dict(body)
                missing = [k for k in ("forge", "full_name") if k not in spec]
                if missing:
                    raise ValueError(f"POST /_control/mutate needs {', '.join(missing)}")
                return self._json(200, app.mutate(spec.pop("forge"), spec.pop("full_name"), **spec))
            return self._json(404, {"error": f"no control endpoint {method} {path}"})
        except (ValueError, TypeError) as error:
            return self._json(400, {"error": str(error)})
        except KeyError as error:
            return self._json(404, {"error": str(error.args[0]) if error.args else "not found"})


_FAULT_STATUS = {"500": "500", "502": "502", "503": "503", "429": "429", "403-ratelimit": "403",
                 "secondary": "403", "malformed": "200", "truncated": "200", "wrongshape": "200", "html": "200"}


def _need_object(body: Any, name: str) -> None:
    if not isinstance(body, dict):
        raise ValueError(f"the body of POST /_control/{name} must be a JSON object, not {body!r}")


def _unauthorized(forge: str, token: str | None) -> dict[str, Any]:
    if forge == "github":
        return {"message": "Bad credentials" if token else "Requires authentication",
                "documentation_url": GITHUB_DOCS, "status": "401"}
    if forge == "gitlab":
        return {"message": "401 Unauthorized"}
    return {"message": "token is required" if not token else "user does not exist", "url": GITEA_SWAGGER}


class FakeForgeServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, app: ForgeApp, host: str = "127.0.0.1", port: int = 0):
        handler = type("BoundHandler", (Handler,), {"app": app})
        super().__init__((host, port), handler)
        self.app = app
        app.set_server_url(f"http://{host}:{self.server_address[1]}")

    @property
    def url(self) -> str:
        return self.app.bases.server


# ---------------------------------------------------------------------------------------------
# Harnesses
# ---------------------------------------------------------------------------------------------
class _Urls:
    url: str

    @property
    def github_api(self) -> str:
        return f"{self.url}/github"

    @property
    def gitlab_api(self) -> str:
        return f"{self.url}/gitlab/api/v4"

    @property
    def gitea_api(self) -> str:
        return f"{self.url}/gitea/api/v1"


class FakeForge(_Urls):
    """The fake forge in this process, on a daemon thread. Use as a context manager.

    :param repos: repositories generated per forge
    :param seed: the generation seed (same seed, same world, same ETags)
    :param latency_ms: added before every API answer, slept in the request's thread
    :param rate_limit: requests per window and per forge (None: off)
    :param rate_window_s: the fixed window, in seconds
    :param search_rate_limit: GitHub search bucket (default: ``rate_limit``)
    :param require_token: answer 401 to requests without this token
    :param hostile: add repositories with script tags and ``javascript:`` links
    :param web_bases: web bases by forge, e.g. ``{"gitlab": "https://framagit.org"}``
    :param gitea_limit_status: 429 (default) or 403 when Gitea's limit is exhausted
    :param clock: seconds since the epoch, for the rate limiter (tests pass a fake clock)
    """

    def __init__(self, repos: int = 30, seed: int = 0, latency_ms: float = 0, rate_limit: int | None = None,
                 rate_window_s: float = 60, search_rate_limit: int | None = None,
                 require_token: str | None = None, hostile: bool = False,
                 web_bases: dict[str, str] | None = None, port: int = 0, host: str = "127.0.0.1",
                 gitea_limit_status: int = 429, clock: Callable[[], float] = time.time):
        unknown = set(web_bases or {}) - set(FORGES)
        if unknown:
            raise ValueError(f"web_bases keys must be among {FORGES}, not {sorted(unknown)!r}")
        self.world = World(repos=repos, seed=seed, hostile=hostile, web_bases=web_bases)
        self.app = ForgeApp(self.world, latency_ms=latency_ms, rate_limit=rate_limit,
                            rate_window_s=rate_window_s, search_rate_limit=search_rate_limit,
                            require_token=require_token, gitea_limit_status=gitea_limit_status, clock=clock)
        self.host, self.port = host, port
        self.server: FakeForgeServer | None = None
        self.thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> "FakeForge":
        self.server = FakeForgeServer(self.app, self.host, self.port)
        self.url = self.server.url
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                       name="fakeforge", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.app.stop_event.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def __enter__(self) -> "FakeForge":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stats(self) -> dict[str, Any]:
        return self.app.stats()

    def reset_stats(self) -> None:
        self.app.reset_stats()

    def add_fault(self, path_regex: str, kind: str, times: int = 1, seconds: float | None = None) -> None:
        self.app.add_fault(path_regex, kind, times, seconds)

    def clear_faults(self) -> None:
        self.app.clear_faults()

    def set_latency(self, ms: float, path_regex: str | None = None) -> None:
        self.app.set_latency(ms, path_regex)

    def set_rate_limit(self, forge: str, limit: int | None, window_s: float = 60) -> None:
        self.app.set_rate_limit(forge, limit, window_s)

    def add_repo(self, forge: str, owner: str, name: str, files: dict[str, Any] | None = None,
                 **fields: Any) -> dict[str, Any]:
        return self.app.add_repo(forge, owner, name, files, **fields)

    def mutate(self, forge: str, full_name: str, files: dict[str, Any] | None = None,
               delete_files: list[str] | None = None, **fields: Any) -> dict[str, Any]:
        return self.app.mutate(forge, full_name, files, delete_files, **fields)

    def repos(self, forge: str | None = None) -> list[dict[str, Any]]:
        return self.app.repos(forge)


class FakeForgeProcess(_Urls):
    """The same server in a subprocess (``python -m crawler.fakeforge``); same options, no clock.

    The control methods go through the control API over HTTP.
    """

    def __init__(self, repos: int = 30, seed: int = 0, latency_ms: float = 0, rate_limit: int | None = None,
                 rate_window_s: float = 60, search_rate_limit: int | None = None,
                 require_token: str | None = None, hostile: bool = False,
                 web_bases: dict[str, str] | None = None, port: int = 0, gitea_limit_status: int = 429,
                 python: str | None = None, startup_timeout: float = 300):
        import sys
        self.argv = [python or sys.executable, "-m", "crawler.fakeforge", "--port", str(port),
                     "--repos", str(repos), "--seed", str(seed), "--latency-ms", str(latency_ms),
                     "--rate-window-s", str(rate_window_s), "--gitea-limit-status", str(gitea_limit_status)]
        if rate_limit is not None:
            self.argv += ["--rate-limit", str(rate_limit)]
        if search_rate_limit is not None:
            self.argv += ["--search-rate-limit", str(search_rate_limit)]
        if require_token is not None:
            self.argv += ["--require-token", require_token]
        if hostile:
            self.argv.append("--hostile")
        for forge, base in (web_bases or {}).items():
            if forge not in FORGES:
                raise ValueError(f"web_bases keys must be among {FORGES}, not {forge!r}")
            self.argv += [f"--{forge}-web", base]
        self.startup_timeout = startup_timeout
        self.proc: Any = None
        self.url = ""

    def start(self) -> "FakeForgeProcess":
        import os
        import subprocess
        from pathlib import Path
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, env=env, text=True)
        found: list[str] = []
        reader = threading.Thread(target=lambda: found.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        line = found[0].strip() if found else ""
        if not line.startswith("FAKEFORGE_URL="):
            self.stop()
            raise RuntimeError(f"the fake forge did not start (argv {self.argv!r}); it printed {line!r}")
        self.url = line.split("=", 1)[1]
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except Exception:   # noqa: BLE001 - still alive after SIGTERM
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()

    def __enter__(self) -> "FakeForgeProcess":
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def _call(self, method: str, name: str, body: Any = None, query: str = "") -> Any:
        from urllib.error import HTTPError as UrlHTTPError
        from urllib.request import Request, urlopen
        data = None if body is None else json.dumps(body).encode()
        request = Request(f"{self.url}/_control/{name}{query}", data=data, method=method,
                          headers={"Content-Type": "application/json"})
        try:
            with urlopen(request, timeout=60) as answer:
                return json.loads(answer.read())
        except UrlHTTPError as error:
            detail = json.loads(error.read() or b"{}").get("error", "")
            raise ValueError(f"{method} /_control/{name}: {detail}") from None

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "stats")

    def reset_stats(self) -> None:
        self._call("POST", "reset-stats", {})

    def add_fault(self, path_regex: str, kind: str, times: int = 1, seconds: float | None = None) -> None:
        self._call("POST", "faults", [{"path": path_regex, "kind": kind, "times": times, "seconds": seconds}])

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def set_latency(self, ms: float, path_regex: str | None = None) -> None:
        self._call("POST", "latency", {"ms": ms, "path": path_regex})

    def set_rate_limit(self, forge: str, limit: int | None, window_s: float = 60) -> None:
        self._call("POST", "rate-limit", {"forge": forge, "limit": limit, "window_s": window_s})

    def add_repo(self, forge: str, owner: str, name: str, files: dict[str, Any] | None = None,
                 **fields: Any) -> dict[str, Any]:
        return self._call("POST", "repos", {"forge": forge, "owner": owner, "name": name,
                                            "files": files or {}, **fields})

    def mutate(self, forge: str, full_name: str, files: dict[str, Any] | None = None,
               delete_files: list[str] | None = None, **fields: Any) -> dict[str, Any]:
        return self._call("POST", "mutate", {"forge": forge, "full_name": full_name, "files": files or {},
                                             "delete_files": delete_files or [], **fields})

    def repos(self, forge: str | None = None) -> list[dict[str, Any]]:
        return self._call("GET", "repos", query=f"?forge={quote(forge)}" if forge else "")
