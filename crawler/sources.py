"""``crawler/sources.yml``: the forge instances to crawl, read and checked with located errors.

Every problem is a :class:`registry.errors.SourcesError` printed as
``path:line:column: field: message``, e.g.
``crawler/sources.yml:12:5: forges[2].type: unknown forge type 'gitlabb' (did you mean 'gitlab'?)``.
The file is parsed by :mod:`registry.safeyaml` (no tags, no aliases, no duplicate keys, size
limits), which also gives the line and column of every key.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from registry.build import normalise_url  # one spelling per repository URL, the build's own
from registry.errors import SourcesError, SubmissionError

SOURCES_PATH = Path(__file__).resolve().parent / "sources.yml"

FORGE_TYPES = ("github", "gitlab", "gitea")
FIELDS = ("id", "type", "api_url", "web_url", "token_env", "topics", "search", "orgs", "exclude")
REQUIRED = ("id", "type", "api_url", "web_url")
LIST_FIELDS = ("topics", "search", "orgs", "exclude")
TOP_LEVEL = ("forges",)

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
# Prefixes of real tokens (GitHub, GitLab, Gitea/Forgejo hex): a token pasted where the *name*
# of its environment variable belongs must not end up in a committed file.
_TOKEN_LIKE_RE = re.compile(r"^(?:gh[pousr]_|github_pat_|glpat-|gldt-|[0-9a-f]{40}$)")


@dataclass(frozen=True)
class Forge:
    """One forge instance from ``sources.yml``.

    :param id: our name for it, used by ``--forge`` and stored with every repository
    :param type: ``github``, ``gitlab`` or ``gitea`` (Gitea and Forgejo share an API)
    :param api_url: the API root, e.g. ``https://api.github.com`` or ``https://gitlab.com/api/v4``
    :param web_url: the web root whose repository URLs this instance serves
    :param token_env: the name of an environment variable holding a token, or None
    """

    id: str
    type: str
    api_url: str
    web_url: str
    token_env: str | None = None
    topics: tuple[str, ...] = ()
    search: tuple[str, ...] = ()
    orgs: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @property
    def api_host(self) -> str:
        return (urlsplit(self.api_url).hostname or "").lower()

    def on_api(self, url: str) -> bool:
        """Whether ``url`` is on this forge's API (same scheme, host and port): the only place the
        crawler sends requests to (next-page links and redirects included)."""
        api = urlsplit(self.api_url)
        try:
            parts = urlsplit(url)
            return (parts.scheme.lower(), (parts.hostname or "").lower(), parts.port) == (
                api.scheme.lower(), (api.hostname or "").lower(), api.port)
        except ValueError:
            return False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "type": self.type, "api_url": self.api_url, "web_url": self.web_url,
            "token_env": self.token_env, "topics": list(self.topics), "search": list(self.search),
            "orgs": list(self.orgs), "exclude": list(self.exclude),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Forge:
        values = {name: data.get(name) for name in FIELDS}
        for name in LIST_FIELDS:
            values[name] = tuple(values[name] or ())
        return cls(**values)

    def full_name_for(self, url: str) -> str | None:
        """The repository path (``owner/name``, or ``group/sub/name`` on GitLab) of a web URL
        served by this instance, or None when the URL belongs elsewhere."""
        return repository_path(self, url)

    def is_excluded(self, full_name: str, web_url: str | None = None) -> bool:
        wanted = {full_name.lower().strip("/")}
        if web_url:
            wanted.add(normalise_url(web_url).lower())
        for entry in self.exclude:
            entry = entry.strip()
            key = normalise_url(entry).lower() if "://" in entry else entry.lower().strip("/")
            if key in wanted:
                return True
        return False


@dataclass
class Sources:
    path: str
    forges: list[Forge] = field(default_factory=list)

    def by_id(self, forge_id: str) -> Forge:
        for forge in self.forges:
            if forge.id == forge_id:
                return forge
        raise KeyError(forge_id)

    def select(self, ids: list[str] | tuple[str, ...]) -> list[Forge]:
        """The forges named by ``--forge`` (all when none is named), in file order.

        :raises SourcesError: for an id that is not in the file, with a suggestion
        """
        if not ids:
            return list(self.forges)
        known = [forge.id for forge in self.forges]
        for forge_id in ids:
            if forge_id not in known:
                raise SourcesError(
                    self.path, None, None, "--forge",
                    f"no forge with id {forge_id!r} in this file{did_you_mean(forge_id, known)}; "
                    f"known ids: {', '.join(known) or '(none)'}",
                )
        return [forge for forge in self.forges if forge.id in ids]

    def forge_for_url(self, url: str) -> tuple[Forge, str] | None:
        """Map a repository web URL (from a submission) to ``(forge, repository path)``."""
        for forge in self.forges:
            name = forge.full_name_for(url)
            if name:
                return forge, name
        return None


def did_you_mean(value: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(value), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def repository_path(forge: Forge, url: str) -> str | None:
    """``https://github.com/Owner/Repo/tree/main`` → ``Owner/Repo`` when served by ``forge``."""
    if not url or "://" not in url:
        return None
    base = urlsplit(normalise_url(forge.web_url))
    target = urlsplit(normalise_url(url))
    if (target.hostname or "") != (base.hostname or "") or target.port != base.port:
        return None
    prefix = base.path.rstrip("/")
    path = unquote(target.path)
    if prefix:
        if not (path == prefix or path.startswith(prefix + "/")):
            return None
        path = path[len(prefix):]
    segments = [s for s in path.split("/") if s]
    if forge.type == "gitlab":
        if "-" in segments:  # https://gitlab.com/group/sub/project/-/tree/main
            segments = segments[: segments.index("-")]
        if len(segments) < 2:
            return None
        return "/".join(segments)
    if len(segments) < 2:
        return None
    return "/".join(segments[:2])


def load_sources(path: str | Path | None = None, display: str | None = None) -> Sources:
    """Read and check a sources file.

    :param path: the file (default: the shipped ``crawler/sources.yml``)
    :param display: the name shown in errors (default: ``path`` as given)
    :raises SourcesError: the first problem found, located
    """
    from registry import safeyaml

    path = Path(path) if path else SOURCES_PATH
    shown = display or _display(path)
    try:
        document = safeyaml.load_path(path, display=shown)
    except SubmissionError as error:
        message = error.message
        if message.startswith("the file is empty"):
            message = "the file is empty; it must hold a 'forges:' list (see docs/crawler.md)"
        raise SourcesError(error.path, error.line, error.column, error.field, message) from None
    return _check(document, shown)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _check(document: Any, shown: str) -> Sources:
    def fail(field_path: str, message: str, key: bool = True) -> SourcesError:
        line, column = document.locate(field_path, key=key)
        return SourcesError(shown, line, column, field_path, message)

    data = document.data
    for name in data:
        if name not in TOP_LEVEL:
            raise fail(name, f"unknown top-level field {name!r}{did_you_mean(name, TOP_LEVEL)}; "
                             "the file holds a 'forges:' list")
    if "forges" not in data:
        raise fail("", "missing 'forges:', the list of forge instances to crawl")
    forges_data = data["forges"]
    if not isinstance(forges_data, list):
        raise fail("forges", f"expected a list of forge instances, got {_describe(forges_data)}")
    sources = Sources(shown)
    seen_ids: dict[str, str] = {}
    seen_web: dict[str, str] = {}
    for index, entry in enumerate(forges_data):
        where = f"forges[{index}]"
        if not isinstance(entry, dict):
            raise fail(where, f"expected a mapping (id: ..., type: ...), got {_describe(entry)}")
        for name in entry:
            if name not in FIELDS:
                raise fail(f"{where}.{name}", f"unknown field {name!r}{did_you_mean(name, FIELDS)}; "
                                              f"allowed fields: {', '.join(FIELDS)}")
        for name in REQUIRED:
            if entry.get(name) in (None, ""):
                raise fail(where if name not in entry else f"{where}.{name}", f"missing required field {name!r}")
        for name in ("id", "type", "api_url", "web_url", "token_env"):
            value = entry.get(name)
            if value is not None and not isinstance(value, str):
                raise fail(f"{where}.{name}", f"expected text, got {_describe(value)} ({value!r})")
        forge_id = entry["id"]
        if not _ID_RE.match(forge_id):
            raise fail(f"{where}.id", f"invalid id {forge_id!r}: use lowercase letters, digits, '.', '-' or '_'")
        if forge_id in seen_ids:
            raise fail(f"{where}.id", f"duplicate id {forge_id!r} (first used by {seen_ids[forge_id]})")
        seen_ids[forge_id] = where
        forge_type = entry["type"]
        if forge_type not in FORGE_TYPES:
            hint = did_you_mean(forge_type, FORGE_TYPES)
            if not hint and forge_type.lower() == "forgejo":
                hint = " (Forgejo speaks the Gitea API: use 'gitea')"
            raise fail(f"{where}.type", f"unknown forge type {forge_type!r}{hint}; "
                                        f"expected one of {', '.join(FORGE_TYPES)}")
        for name in ("api_url", "web_url"):
            problem = _url_problem(entry[name])
            if problem:
                raise fail(f"{where}.{name}", f"{problem}: {entry[name]!r}")
        web_key = normalise_url(entry["web_url"])
        if web_key in seen_web:
            raise fail(f"{where}.web_url", f"web_url {entry['web_url']!r} is already served by {seen_web[web_key]}")
        seen_web[web_key] = where
        token_env = entry.get("token_env")
        if token_env is not None:
            if _TOKEN_LIKE_RE.match(token_env):
                raise fail(f"{where}.token_env", "this looks like a token itself; write the *name* of an "
                                                  "environment variable (e.g. GITHUB_TOKEN) and keep the token "
                                                  "in that variable, never in this file")
            if not _ENV_RE.match(token_env):
                raise fail(f"{where}.token_env", f"invalid environment variable name {token_env!r}")
        lists: dict[str, tuple[str, ...]] = {}
        for name in LIST_FIELDS:
            value = entry.get(name)
            if value is None:
                lists[name] = ()
                continue
            if not isinstance(value, list):
                raise fail(f"{where}.{name}", f"expected a list of text, got {_describe(value)}")
            items = []
            for position, item in enumerate(value):
                if not isinstance(item, str) or not item.strip():
                    raise fail(f"{where}.{name}[{position}]", f"expected non-empty text, got {_describe(item)}",
                               key=False)
                item = item.strip()
                if name == "exclude" and "://" not in item and item.count("/") < 1:
                    raise fail(f"{where}.{name}[{position}]", f"expected 'owner/name' or a repository URL, "
                                                               f"got {item!r}", key=False)
                items.append(item)
            lists[name] = tuple(dict.fromkeys(items))
        sources.forges.append(
            Forge(
                id=forge_id, type=forge_type, api_url=entry["api_url"].rstrip("/"),
                web_url=entry["web_url"].rstrip("/"), token_env=token_env, **lists,
            )
        )
    return sources


def _url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        return "expected an http:// or https:// URL"
    if not parts.hostname:
        return "expected a URL with a host name"
    if parts.query or parts.fragment:
        return "expected a URL without '?' query or '#' fragment"
    if parts.username or parts.password:
        return "credentials do not belong in a URL; use token_env"
    return None


def _describe(value: Any) -> str:
    from registry.safeyaml import describe

    return describe(value)
