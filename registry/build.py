"""``essforge build``: submissions (and the crawl store) → the published SQLite registry.

The build is

- **atomic**: it writes a new file beside the target and swaps it in with ``os.replace`` only when
  everything succeeded, so a failed build leaves the previous database untouched;
- **idempotent**: the same inputs give the same rows in the same order (no build timestamps in
  the content; dates come from git, the crawl store, or the ``as_of`` date);
- **a merge by precedence**: maintainer submission > publiccode.yml > forge API > inference. A crawl
  never overwrites what a maintainer stated (docs/architecture.md).
"""

from __future__ import annotations

import heapq
import json
import os
import re
import sqlite3
import subprocess
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlite_utils

from registry import db as schema
from registry.errors import BuildError
from registry.paths import submissions_dir as default_submissions_dir

DEFAULT_DB = Path("essforge.db")


@dataclass
class BuildReport:
    db_path: Path
    projects: int = 0
    candidates: int = 0
    submissions: int = 0
    crawled: int = 0
    sectors_used: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    # Seconds per phase of writing the database: ``rows`` (merging the sources and making the
    # rows, in Python), ``writing`` (SQLite storing them), then ``indexes``, ``full_text``,
    # ``statistics``. bench/bench_build.py prints them.
    phases: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"Built {self.db_path}: {self.projects} projects "
            f"({self.submissions} from submissions, {self.crawled} from the crawl), "
            f"{self.candidates} candidates, {self.sectors_used} sectors in use, "
            f"in {self.seconds:.1f} s"
        )


def default_crawl_store(db_path: Path) -> Path:
    """The crawl store that goes with a registry database: ``essforge-crawl.db`` beside it."""
    return Path(db_path).resolve().parent / "essforge-crawl.db"


def build(
    db_path: Path | str = DEFAULT_DB,
    *,
    submissions_dir: Path | str | None = None,
    crawl_store: Path | str | Sequence[Path | str] | None = None,
    today: date | None = None,
) -> BuildReport:
    """Build the registry database from the submissions and, when it exists, the crawl store.

    :param db_path: the database to (re)place
    :param submissions_dir: folder of ``*.yml`` submissions; default ``registry/submissions``
    :param crawl_store: the crawler's store; default ``essforge-crawl.db`` beside ``db_path``,
        used only when it exists. A list of several stores (one per machine of a ``--redis``
        crawl) is merged by :meth:`CrawlData.merge`; then each one must exist
    :param today: the date maturity is computed for; default the last crawl's date, else today
    :raises BuildError: when a submission is invalid or the database cannot be written
    """
    from registry.submissions import load_submission

    started = time.perf_counter()
    folder = Path(submissions_dir) if submissions_dir else default_submissions_dir()
    if not folder.is_dir():
        raise BuildError(f"{folder}: submissions folder not found")
    paths = sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
    records: list[dict] = []
    errors: list[str] = []
    for path in paths:
        record, problems = load_submission(path)
        if problems:
            errors.extend(str(problem) for problem in problems)
        elif record is not None:
            records.append(record)
    if errors:
        raise BuildError(
            f"{len(errors)} problem(s) in the submissions; nothing was built:\n" + "\n".join(errors)
        )
    dates = submission_dates(folder, paths)
    for record in records:
        first, last = dates.get(Path(record["source_path"]).name, (None, None))
        record.setdefault("first_listed", first)
        record.setdefault("last_checked", last)

    if isinstance(crawl_store, (list, tuple)) and len(crawl_store) > 1:
        crawl = CrawlData.merge(crawl_store)  # several stores: every one must exist
    else:
        if isinstance(crawl_store, (list, tuple)):
            crawl_store = crawl_store[0] if crawl_store else None
        store = Path(crawl_store) if crawl_store else default_crawl_store(Path(db_path))
        crawl = CrawlData.load(store) if store.exists() else CrawlData.empty()
    report = build_database(records, crawl, Path(db_path), today=today)
    report.seconds = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------------------------
# Inputs


@dataclass
class CrawlData:
    """What the crawl store holds, read once (docs/architecture.md, "The crawl store")."""

    repositories: dict[str, dict] = field(default_factory=dict)  # url -> row with parsed data
    aliases: dict[str, str] = field(default_factory=dict)  # alias url -> canonical url
    history: list[dict] = field(default_factory=list)
    crawl_runs: list[dict] = field(default_factory=list)

    @classmethod
    def empty(cls) -> CrawlData:
        return cls()

    @classmethod
    def load(cls, path: Path) -> CrawlData:
        return cls.merge([path])

    @classmethod
    def merge(cls, paths: Sequence[Path | str]) -> CrawlData:
        """Read one crawl store, or several as one (one per machine of a ``--redis`` crawl).

        Rules, deterministic for the same paths in the same order (docs/crawler.md):

        - a repository URL keeps the row with the newest ``last_seen``; ties go to the larger
          ``last_changed``, then to the store named first. ``first_seen`` becomes the earliest
          of all the stores;
        - aliases and history rows (one per URL and date) are united; on a conflict the store
          whose row of that repository wins by the rule above is kept;
        - crawl runs: the processes of one ``--redis`` generation share a ``run_key``: its rows
          from several stores become one run (earliest start, latest end, counters summed, the
          status ``finished`` only when every store says so). With several stores, runs are
          numbered again 1, 2, … in order of start.

        :raises BuildError: naming the file, when a store is missing, unreadable or not a crawl store
        """
        paths = [Path(p) for p in paths]
        stores = [_read_crawl_store(path) for path in paths]
        data = cls()

        def rank(index: int, url: str) -> tuple:
            row = stores[index]["repositories"].get(url) or {}
            return (row.get("last_seen") or "", row.get("last_changed") or "", -index)

        for index, store in enumerate(stores):
            for url, item in store["repositories"].items():
                kept = data.repositories.get(url)
                if kept is None or rank(index, url) > rank(kept["_store"], url):
                    first_seen = _earliest(item.get("first_seen"), kept and kept.get("first_seen"))
                    data.repositories[url] = {**item, "first_seen": first_seen, "_store": index}
                else:
                    kept["first_seen"] = _earliest(kept.get("first_seen"), item.get("first_seen"))
        for item in data.repositories.values():
            del item["_store"]

        chosen: dict[str, int] = {}
        for index, store in enumerate(stores):
            for alias, target in store["aliases"].items():
                if alias not in chosen or rank(index, target) > rank(chosen[alias], data.aliases[alias]):
                    data.aliases[alias], chosen[alias] = target, index
        # Mirrors (not other spellings of the same URL) become the project's other repositories.
        for alias, target in data.aliases.items():
            repo = data.repositories.get(target)
            if repo is not None and alias.lower() != target.lower():
                known = repo["data"].setdefault("aliases", [])
                if alias not in known:
                    known.append(alias)

        history: dict[tuple[str, str], tuple[int, dict]] = {}
        for index, store in enumerate(stores):
            for row in store["history"]:
                key = (row["url"], row["date"])
                if key not in history or rank(index, row["url"]) > rank(history[key][0], row["url"]):
                    history[key] = (index, row)
        data.history = [history[key][1] for key in sorted(history)]

        if len(stores) == 1:
            data.crawl_runs = stores[0]["crawl_runs"]
        else:
            data.crawl_runs = _merge_runs([store["crawl_runs"] for store in stores])
        return data

    def find(self, url: str | None) -> dict | None:
        if not url:
            return None
        key = normalise_url(url)
        # An alias whose canonical repository was never crawled (a mirror of an uncrawled
        # original) still finds its own row.
        return self.repositories.get(self.aliases.get(key, key)) or self.repositories.get(key)

    def last_crawl_date(self) -> date | None:
        finished = [r.get("finished_at") or r.get("started_at") for r in self.crawl_runs]
        finished = [f for f in finished if f]
        return _to_date(max(finished)) if finished else None


_CRAWL_COUNTERS = ("requests", "responses_304", "projects_new", "projects_updated", "projects_unchanged", "errors")


def _read_crawl_store(path: Path) -> dict[str, Any]:
    """One crawl store's rows, as they are (:meth:`CrawlData.merge` combines them)."""
    if not path.is_file():
        raise BuildError(f"{path}: crawl store not found")
    found: dict[str, Any] = {"repositories": {}, "aliases": {}, "history": [], "crawl_runs": []}
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            conn.row_factory = sqlite3.Row
            tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
            if tables:  # an empty file is an empty store
                columns = {r[1] for r in conn.execute("pragma table_info(repositories)")}
                if not {"url", "data", "last_seen"} <= columns:
                    raise BuildError(
                        f"{path}: not a crawl store (no repositories table with url, data and last_seen"
                        " columns); give the file named by `essforge crawl --state`, not the registry database"
                    )
            if "repositories" in tables:
                for row in conn.execute("select * from repositories order by url"):
                    item = dict(row)
                    try:
                        item["data"] = json.loads(item.get("data") or "{}")
                    except ValueError:
                        continue
                    if not isinstance(item["data"], dict):
                        continue
                    found["repositories"][normalise_url(item["url"])] = item
            if "repository_aliases" in tables:
                for row in conn.execute("select alias_url, url from repository_aliases order by alias_url"):
                    found["aliases"][normalise_url(row[0])] = normalise_url(row[1])
            if "history" in tables:
                found["history"] = [dict(r) for r in conn.execute("select * from history order by url, date")]
            if "crawl_runs" in tables:
                found["crawl_runs"] = [dict(r) for r in conn.execute("select * from crawl_runs order by id")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as error:
        raise BuildError(f"{path}: cannot read the crawl store: {error}") from error
    return found


def _earliest(a: str | None, b: str | None) -> str | None:
    return min(a, b) if a and b else a or b


def _merge_runs(stores: list[list[dict]]) -> list[dict]:
    """The crawl runs of several stores: one row per shared ``run_key``, then numbered by start."""
    runs: list[tuple[int, int, dict]] = []  # (store, id in that store, run)
    shared: dict[str, dict] = {}
    for index, rows in enumerate(stores):
        for row in rows:
            key = row.get("run_key")
            if not key:
                runs.append((index, row.get("id") or 0, dict(row)))
                continue
            run = shared.get(key)
            if run is None:
                shared[key] = run = dict(row)
                runs.append((index, row.get("id") or 0, run))
                continue
            run["started_at"] = _earliest(run.get("started_at"), row.get("started_at"))
            ends = [end for end in (run.get("finished_at"), row.get("finished_at")) if end]
            run["finished_at"] = max(ends) if ends else None
            for name in (*_CRAWL_COUNTERS, "workers"):
                if name in row:
                    run[name] = (run.get(name) or 0) + (row.get(name) or 0)
            if run.get("status") == "finished" and row.get("status") != "finished":
                run["status"] = row.get("status")
            try:
                forges = set(json.loads(run.get("forges") or "[]")) | set(json.loads(row.get("forges") or "[]"))
                run["forges"] = json.dumps(sorted(forges))
            except (TypeError, ValueError):
                pass
    merged = []
    # Sorted by start (the earliest of a shared run's rows), then by store and id in that store.
    for number, (*_, run) in enumerate(sorted(runs, key=lambda r: (r[2].get("started_at") or "", r[0], r[1])), 1):
        run["id"] = number
        merged.append(run)
    return merged


# A URL already in its normal spelling (the usual case: submissions are normalised when loaded).
_NORMAL_URL = re.compile(r"(https?)://([a-z0-9.\-]+)(/[^?#@\s]*)?\Z")


def normalise_url(url: str) -> str:
    """One spelling per repository: lowercase scheme and host, no ``.git``, no trailing slash."""
    if _NORMAL_URL.match(url) and not url.endswith(("/", ".git")):
        return url
    url = url.strip()
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if path.endswith(".git"):
        path = path[:-4]
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    scheme = parts.scheme.lower() or "https"
    return f"{scheme}://{host}{path}"


def submission_dates(folder: Path, paths: list[Path]) -> dict[str, tuple[str | None, str | None]]:
    """(first listed, last changed) dates of each submission file, from one ``git log`` call.

    Falls back to the file's modification date outside git or for uncommitted files.
    """
    found: dict[str, list[str]] = {}
    try:
        out = subprocess.run(
            ["git", "log", "--format=%x01%cI", "--name-only", "--", "."],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        current = None
        for line in out.splitlines():
            if line.startswith("\x01"):
                current = line[1:11]
            elif line.strip() and current:
                found.setdefault(Path(line.strip()).name, []).append(current)
    except (OSError, subprocess.SubprocessError):
        pass
    result = {}
    for path in paths:
        dates = found.get(path.name)
        if dates:
            result[path.name] = (min(dates), max(dates))
        else:
            mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc).date().isoformat()
            result[path.name] = (mtime, mtime)
    return result


# --------------------------------------------------------------------------------------------
# The merge


def build_database(
    records: list[dict], crawl: CrawlData, db_path: Path, *, today: date | None = None
) -> BuildReport:
    """Merge submission records with crawl data and write the database atomically.

    The merged projects are produced one at a time, in id order, and written in chunks: the build
    never holds every merged project nor every row at once (bench/bench_build.py measures the peak
    memory at 100,000 projects).

    :param records: project records from ``registry.submissions.load_submission``
    :param crawl: the crawl store's content (``CrawlData.empty()`` when there is none)
    :param db_path: the database to (re)place
    :param today: the date maturity is computed for
    """
    from registry.taxonomy import SECTORS

    as_of = today or crawl.last_crawl_date() or date.today()
    report = BuildReport(db_path=db_path)
    ordered = sorted(records, key=lambda r: r["id"])
    ids: set[str] = {record["id"] for record in ordered}
    report.submissions = len(ordered)

    # The crawl's repositories that no submission names become projects (listed) or candidates.
    # Only the records' repository URLs are looked at here; the merge itself happens while writing.
    crawled: list[dict] = []
    candidates: list[dict] = []
    if crawl.repositories:
        claimed: set[str] = set()
        for record in ordered:
            repo = crawl.find(record.get("repository"))
            if repo is not None:
                claimed.add(normalise_url(repo["url"]))
        for url, repo in crawl.repositories.items():
            if url in claimed:
                continue
            if repo.get("skipped_reason"):
                # A mirror stands for its project only when its original was not crawled.
                original = crawl.aliases.get(url)
                if repo["skipped_reason"] != "mirror" or (original and original in crawl.repositories):
                    continue
            data = repo["data"]
            if data.get("fork"):
                continue
            project = project_from_crawl(repo, ids)
            if data.get("relevance") == "listed":
                crawled.append(project)
                ids.add(project["id"])
            else:
                candidates.append(candidate_row(project, repo))
    crawled.sort(key=lambda p: p["id"])
    candidates.sort(key=lambda c: c["id"])
    report.crawled = len(crawled)
    report.projects = len(ordered) + len(crawled)
    report.candidates = len(candidates)

    def submitted() -> Iterator[dict]:
        if crawl.repositories:
            for record in ordered:
                yield merge_submission(record, crawl.find(record.get("repository")))
        else:
            # Fast path: no crawl data at all (a fresh checkout, the benchmarks).
            for record in ordered:
                yield _merge_plain(record)

    projects = heapq.merge(submitted(), crawled, key=lambda p: p["id"])

    tmp = db_path.with_name(f".{db_path.name}.building-{os.getpid()}")
    _remove(tmp)
    try:
        write_database(tmp, projects, candidates, crawl, SECTORS, as_of, report)
        os.replace(tmp, db_path)
    except BaseException as error:
        _remove(tmp)
        if isinstance(error, (sqlite3.Error, OSError)):
            raise BuildError(f"{db_path}: the build failed, the previous database is untouched: {error}") from error
        raise
    return report



def _remove(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            os.unlink(f"{path}{suffix}")
        except FileNotFoundError:
            pass


def merge_submission(record: dict, repo: dict | None) -> dict:
    """One project from a maintainer's record, completed (never overridden) by crawl data."""
    data = (repo or {}).get("data") or {}
    publiccode = data.get("publiccode") or {}
    provenance: dict[str, tuple[str, str | None]] = {}
    source = record.get("source") or "submission"
    source_url = record.get("source_path")
    crawl_url = (repo or {}).get("url")

    def pick(field_name: str, *candidates: tuple[str, Any, str | None]) -> Any:
        for origin, value, url in candidates:
            if value not in (None, "", [], {}):
                provenance[field_name] = (origin, url)
                return value
        return None

    project = {
        "id": record["id"],
        "name": record["name"],
        "repository_url": normalise_url(record["repository"]),
        "submission_path": record.get("source_path"),
        "origin": source,
        "relevance": "listed",
        "first_listed": record.get("first_listed"),
        "last_checked": _latest(record.get("last_checked"), _to_iso_date((repo or {}).get("last_seen"))),
    }
    provenance["name"] = (source, source_url)
    provenance["repository_url"] = (source, source_url)
    project["descriptions"] = pick(
        "description",
        (source, record.get("description"), source_url),
        ("publiccode", publiccode.get("description"), crawl_url),
        ("forge", _forge_description(data.get("description")), crawl_url),
    ) or {}
    project["website"] = pick(
        "website",
        (source, record.get("website"), source_url),
        ("publiccode", publiccode.get("website"), crawl_url),
        ("forge", data.get("homepage"), crawl_url),
    )
    project["contact"] = pick("contact", (source, record.get("contact"), source_url))
    project["status"] = pick(
        "status",
        (source, record.get("status"), source_url),
        ("publiccode", publiccode.get("status"), crawl_url),
    )
    project["organisation"] = pick(
        "organisation",
        (source, record.get("organisation"), source_url),
        ("publiccode", publiccode.get("organisation"), crawl_url),
    )
    for name in ("languages", "audiences", "tags", "adopters", "providers"):
        project[name] = pick(
            name,
            (source, record.get(name), source_url),
            ("publiccode", publiccode.get(name), crawl_url),
        ) or []

    # Licence: the maintainer's statement wins; a different crawl finding is recorded as a conflict.
    conflicts = [tuple(c) for c in data.get("licence_conflicts") or []]
    stated = record.get("licence")
    found = data.get("licence")
    if stated:
        project["licence_raw"] = stated
        provenance["licence"] = (source, source_url)
        if found and _licence_key(found) != _licence_key(stated):
            conflicts = [("forge", found)] + [c for c in conflicts if c[1] != found]
        project["licence_kept_source"] = source
    else:
        publiccode_licence = publiccode.get("licence")
        project["licence_raw"] = found or publiccode_licence
        if found:
            provenance["licence"] = ("forge", crawl_url)
            project["licence_kept_source"] = "licence_file" if _declared_by(data, "licence_file", found) else "forge"
        elif publiccode_licence:
            provenance["licence"] = ("publiccode", crawl_url)
            project["licence_kept_source"] = "publiccode"
    project["licence_conflicts"] = conflicts

    sectors = list(record.get("sectors") or [])
    if sectors:
        project["sectors"] = [(s, 0, None, source) for s in dict.fromkeys(sectors)]
        provenance["sectors"] = (source, source_url)
    else:
        project["sectors"] = _inferred(data, project)
        if project["sectors"]:
            provenance["sectors"] = ("inference", crawl_url)
    project["topics"] = list(data.get("topics") or [])
    _copy_facts(project, data, provenance, crawl_url)
    project["repositories"] = _repositories(project["repository_url"], repo)
    project["provenance"] = provenance
    project["history_urls"] = {normalise_url(repo["url"])} if repo else set()
    return project


def _merge_plain(record: dict) -> dict:
    """``merge_submission(record, None)``, written out for speed: a record with no crawl data.

    It must give the same project as the general function (tests/test_build.py checks it).
    """
    source = record.get("source") or "submission"
    source_url = record.get("source_path")
    provenance: dict[str, tuple[str, str | None]] = {"name": (source, source_url), "repository_url": (source, source_url)}
    stated = (source, source_url)
    get = record.get
    description = get("description")
    if description in _EMPTY:
        description = None
    else:
        provenance["description"] = stated
    project = {
        "id": record["id"],
        "name": record["name"],
        "repository_url": normalise_url(record["repository"]),
        "submission_path": source_url,
        "origin": source,
        "relevance": "listed",
        "first_listed": get("first_listed"),
        "last_checked": get("last_checked") or None,
        "descriptions": description or {},
    }
    for name in ("website", "contact", "status", "organisation"):
        value = get(name)
        if value in _EMPTY:
            value = None
        else:
            provenance[name] = stated
        project[name] = value
    for name in ("languages", "audiences", "tags", "adopters", "providers"):
        value = get(name)
        if value in _EMPTY:
            value = None
        else:
            provenance[name] = stated
        project[name] = value or []
    licence = get("licence")
    if licence:
        project["licence_raw"] = licence
        provenance["licence"] = stated
        project["licence_kept_source"] = source
    else:
        project["licence_raw"] = None
    project["licence_conflicts"] = []
    sectors = get("sectors")
    if sectors:
        project["sectors"] = [(s, 0, None, source) for s in dict.fromkeys(sectors)]
        provenance["sectors"] = stated
    else:
        project["sectors"] = _inferred({}, project)
        if project["sectors"]:
            provenance["sectors"] = ("inference", None)
    project["topics"] = []
    for name in FACT_FIELDS:
        project[name] = None
    project["repositories"] = [(project["repository_url"], "primary")]
    project["provenance"] = provenance
    project["history_urls"] = set()
    return project


# Values ``pick`` treats as absent. ``in`` compares with ==, as ``pick`` does.
_EMPTY = (None, "", [], {})



def project_from_crawl(repo: dict, taken: set[str]) -> dict:
    """A project found by the crawler alone: every fact comes from the forge or inference."""
    data = repo["data"]
    url = normalise_url(repo["url"])
    provenance: dict[str, tuple[str, str | None]] = {}
    publiccode = data.get("publiccode") or {}
    project = {
        "id": _unique_slug(_crawl_slug(repo), taken),
        "name": publiccode.get("name") or data.get("name") or url.rsplit("/", 1)[-1],
        "repository_url": url,
        "submission_path": None,
        "origin": "crawl",
        "relevance": data.get("relevance") or "candidate",
        "first_listed": _to_iso_date(repo.get("first_seen")),
        "last_checked": _to_iso_date(repo.get("last_seen")),
        "descriptions": publiccode.get("description") or _forge_description(data.get("description")) or {},
        "website": publiccode.get("website") or data.get("homepage"),
        "contact": None,
        "status": publiccode.get("status"),
        "organisation": publiccode.get("organisation"),
        "licence_raw": data.get("licence") or publiccode.get("licence"),
        "licence_kept_source": "licence_file" if _declared_by(data, "licence_file", data.get("licence")) else "forge",
        "licence_conflicts": [tuple(c) for c in data.get("licence_conflicts") or []],
        "topics": list(data.get("topics") or []),
    }
    for name in ("languages", "audiences", "tags", "adopters", "providers"):
        project[name] = publiccode.get(name) or []
    source = "publiccode" if publiccode else "forge"
    for name in ("name", "description", "website", "licence", "repository_url"):
        provenance[name] = (source if name != "repository_url" else "forge", url)
    project["sectors"] = _inferred(data, project)
    provenance["sectors"] = ("inference", url)
    _copy_facts(project, data, provenance, url)
    project["repositories"] = _repositories(url, repo)
    project["provenance"] = provenance
    project["history_urls"] = {url}
    return project


FACT_FIELDS = (
    "stars",
    "forks",
    "open_issues",
    "contributors",
    "releases_count",
    "latest_release",
    "latest_release_date",
    "created_at",
    "last_activity",
    "archived",
    "has_readme",
    "has_ci",
    "has_tests",
)


def _copy_facts(project: dict, data: dict, provenance: dict, url: str | None) -> None:
    for name in FACT_FIELDS:
        value = data.get(name)
        if isinstance(value, bool):
            value = int(value)
        project[name] = value
        if value is not None:
            provenance[name] = ("forge", url)


def _inferred(data: dict, project: dict) -> list[tuple[str, int, float | None, str]]:
    inferred = data.get("inferred_sectors")
    if inferred is None:
        from registry.taxonomy import infer_sectors

        texts = {lang: text for lang, text in (project.get("descriptions") or {}).items()}
        if data.get("readme_excerpt"):
            texts["readme"] = data["readme_excerpt"]
        inferred = infer_sectors(texts, topics=list(data.get("topics") or []) + list(project.get("tags") or []))
    return [(sector, 1, round(float(score), 3), "inference") for sector, score in inferred[:3]]


def _repositories(primary: str, repo: dict | None) -> list[tuple[str, str]]:
    urls = [(primary, "primary")]
    if repo:
        canonical = normalise_url(repo["url"])
        if canonical != primary:
            urls.append((canonical, "mirror"))
        for alias in (repo.get("data") or {}).get("aliases") or []:
            alias = normalise_url(alias)
            if alias not in {u for u, _ in urls}:
                urls.append((alias, "mirror"))
    return urls


def _forge_description(text: str | None) -> dict[str, str] | None:
    if not text or not isinstance(text, str) or not text.strip():
        return None
    return {guess_language(text): text.strip()}


FRENCH_WORDS = frozenset("le la les des du une un et pour est avec dans sur au aux qui que en".split())
ENGLISH_WORDS = frozenset("the and for with of to is a an in on that this your by from".split())


def guess_language(text: str) -> str:
    """``fr``, ``en``, or ``und`` (undetermined) for a forge description, from common words.

    Forges do not say which language a description is in; the public pages mark it with ``lang``.
    """
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    fr = sum(w in FRENCH_WORDS for w in words)
    en = sum(w in ENGLISH_WORDS for w in words)
    if fr > en:
        return "fr"
    if en > fr:
        return "en"
    return "und"


def _declared_by(data: dict, source: str, value: str | None) -> bool:
    return any(s == source and v == value for s, v in data.get("licence_declarations") or [])


def _licence_key(value: str) -> str:
    info = _licence_info(value)
    return info.expression or value


def _crawl_slug(repo: dict) -> str:
    full = (repo.get("data") or {}).get("full_name") or urlsplit(repo["url"]).path.strip("/")
    return slugify(full.replace("/", "-"))


def slugify(text: str) -> str:
    """The id of a crawled project: the submissions' slug rule, ``project`` when nothing is left."""
    from registry.submissions import slugify as ascii_slug

    return ascii_slug(text, max_length=200) or "project"


def _unique_slug(slug: str, taken: set[str]) -> str:
    candidate, n = slug, 2
    while candidate in taken:
        candidate = f"{slug}-{n}"
        n += 1
    return candidate


def candidate_row(project: dict, repo: dict) -> dict:
    data = repo["data"]
    return {
        "id": project["id"],
        "name": project["name"],
        "repository_url": project["repository_url"],
        "forge": _forge(project["repository_url"]),
        "description": _best_description(project["descriptions"])[0],
        "licence": project.get("licence_raw"),
        "inferred_sector_ids": json.dumps([s for s, *_ in project["sectors"]]),
        "relevance_score": data.get("relevance_score"),
        "stars": data.get("stars"),
        "last_activity": data.get("last_activity"),
        "first_seen": _to_iso_date(repo.get("first_seen")),
    }


# --------------------------------------------------------------------------------------------
# Writing


@lru_cache(maxsize=4096)
def _licence_info(value: str | None):
    from registry.licences import LicenceError, normalise_licence

    try:
        return normalise_licence(value)
    except LicenceError:
        # A crawled declaration we cannot map: shown as written, never guessed.
        from registry.licences import unknown_licence

        return unknown_licence(value)


def _best_description(descriptions: dict[str, str]) -> tuple[str | None, str | None]:
    for lang in ("en", "fr"):
        if descriptions.get(lang):
            return descriptions[lang], lang
    for lang, text in sorted(descriptions.items()):
        if text:
            return text, lang
    return None, None


def _forge(url: str) -> str:
    match = _NORMAL_URL.match(url)
    if match:
        return match.group(2)
    return (urlsplit(url).hostname or "").lower()


# Encoders built once: ``json.dumps`` with any non-default keyword builds a new encoder per call.
_ENCODE = json.JSONEncoder().encode
_ENCODE_UNICODE = json.JSONEncoder(ensure_ascii=False).encode
_ENCODE_UNICODE_SORTED = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode
_STRING = json.encoder.encode_basestring_ascii
_STRING_UNICODE = json.encoder.encode_basestring


# Even a pre-built encoder makes a C encoder per call; lists of strings (nearly every JSON value
# of a row) are joined here from the C string escapers instead, with ``json.dumps``'s separators.
def _JSON(items: list) -> str:
    if all(type(item) is str for item in items):
        return "[" + ", ".join(map(_STRING, items)) + "]"
    return _ENCODE(items)


def _JSON_UNICODE(items: list) -> str:
    if all(type(item) is str for item in items):
        return "[" + ", ".join(map(_STRING_UNICODE, items)) + "]"
    return _ENCODE_UNICODE(items)


def _JSON_UNICODE_SORTED(mapping: dict) -> str:
    if all(type(k) is str and type(v) is str for k, v in mapping.items()):
        return "{" + ", ".join(f"{_STRING_UNICODE(k)}: {_STRING_UNICODE(v)}" for k, v in sorted(mapping.items())) + "}"
    return _ENCODE_UNICODE_SORTED(mapping)

# Projects are merged, turned into rows and written this many at a time.
CHUNK = 5000

# The facts ``compute_maturity`` reads, in the order of the cache key below.
_MATURITY_CACHE_LIMIT = 100_000


class _MaturityCache:
    """``compute_maturity`` memoised on the facts it reads (it is deterministic for one date).

    Submitted projects share few distinct fact sets, so most look-ups hit; the ``Signal`` objects
    (and their explanation strings) are then shared between rows instead of formatted again.
    """

    def __init__(self, as_of: date) -> None:
        from registry.maturity import compute_maturity

        self._compute = compute_maturity
        self._as_of = as_of
        self._cache: dict[tuple, Any] = {}
        # (signal, value) -> (explanation_en, explanation_fr): the maturity_explanations rows.
        self.explanations: dict[tuple[str, str], tuple[str, str]] = {}

    def get(self, facts: dict) -> Any:
        key = tuple(facts.values())  # description_languages is given as a tuple
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= _MATURITY_CACHE_LIMIT:
                self._cache.clear()
            found = self._cache[key] = self._compute(facts, today=self._as_of)
            for signal in found.signals:
                self.explanations.setdefault((signal.signal, signal.value), (signal.explanation_en, signal.explanation_fr))
        return found


def write_database(
    path: Path,
    projects: Iterable[dict],
    candidates: list[dict],
    crawl: CrawlData,
    sectors,
    as_of: date,
    report: BuildReport,
) -> None:
    """Write the merged projects (an iterable in id order) and everything derived from them."""
    from registry.licences import catalogue_row

    conn = sqlite3.connect(path)
    conn.execute("pragma journal_mode = off")
    conn.execute("pragma synchronous = off")
    # A 64 MB page cache (SQLite's default is 2 MB): the primary-key indexes of the join tables
    # and the index builds spill less; at 100,000 projects the build took 25-30 % less wall time
    # in bench/bench_build.py, for the same CPU time, and the peak memory stays under its target.
    conn.execute("pragma cache_size = -65536")
    db = sqlite_utils.Database(conn)
    schema.create_schema(db)

    sector_labels = {s.id: (s.label_en, s.label_fr) for s in sectors}
    organisations: dict[str, dict] = {}
    licences: dict[str, dict] = {}
    used_sectors: set[str] = set()
    url_to_project: dict[str, str] = {}
    repository_urls: set[str] = set()
    need_history = bool(crawl.history)
    maturity_of = _MaturityCache(as_of)
    inserts = {
        table: _insert_sql(table, list(schema.TABLES[table]["columns"]))
        for table in schema.TABLES
    }
    inserts["projects"] = _insert_sql("projects", list(schema.PROJECT_COLUMNS))

    # Row lists of the current chunk, written and emptied every CHUNK projects.
    chunk_tables = ("projects", "project_licences", "licence_conflicts", "project_sectors", "maturity_signals",
                    "adopters", "providers", "repositories", "provenance")
    rows: dict[str, list[tuple]] = {name: [] for name in chunk_tables}
    project_rows = rows["projects"]
    licence_rows = rows["project_licences"]
    conflict_rows = rows["licence_conflicts"]
    sector_rows = rows["project_sectors"]
    signal_rows = rows["maturity_signals"]
    adopter_rows = rows["adopters"]
    provider_rows = rows["providers"]
    repository_rows = rows["repositories"]
    provenance_rows = rows["provenance"]

    writing = 0.0

    def flush() -> None:
        nonlocal writing
        started = time.perf_counter()
        for table, table_rows in rows.items():
            if table_rows:
                conn.executemany(inserts[table], table_rows)
                table_rows.clear()
        writing += time.perf_counter() - started

    conn.execute("begin")
    loop_started = time.perf_counter()
    count = 0
    last_id = None
    for project in projects:
        pid = project["id"]
        if pid == last_id:
            continue  # two records with one id (sorted, so side by side): the first is kept
        last_id = pid
        info = _licence_info(project.get("licence_raw"))
        for spdx_id in info.spdx_ids:
            if spdx_id not in licences:
                licences[spdx_id] = _licence_row(spdx_id, info, catalogue_row)
            licence_rows.append((pid, spdx_id))
        conflicts = project.get("licence_conflicts")
        if conflicts:
            kept_source = project.get("licence_kept_source")
            for other_source, other in conflicts:
                conflict_rows.append((pid, info.expression or project.get("licence_raw"), kept_source, other, other_source))

        organisation = project.get("organisation") or None
        org_id = None
        if organisation and organisation.get("name"):
            org_name = organisation["name"]
            org_id = _organisation_id(org_name)
            if org_id not in organisations:
                organisations[org_id] = {
                    "id": org_id,
                    "name": org_name,
                    "legal_form": organisation.get("legal_form"),
                    "country": organisation.get("country"),
                    "website": organisation.get("website"),
                }
        descriptions = project.get("descriptions") or {}
        best, best_lang = _best_description(descriptions)
        project_sectors = project["sectors"]
        sector_ids = [s[0] for s in project_sectors]
        used_sectors.update(sector_ids)
        for sector_id, inferred, score, source in project_sectors:
            sector_rows.append((pid, sector_id, inferred, score, source))

        adopters = project["adopters"]
        providers = project["providers"]
        get = project.get
        facts = {
            "status": get("status"),
            "adopters_count": len(adopters),
            "providers_count": len(providers),
            "has_website": bool(get("website")),
            "description_languages": tuple(sorted(descriptions)),
            "licence_is_free": info.is_free,
        }
        for name in FACT_FIELDS:
            facts[name] = get(name)
        maturity = maturity_of.get(facts)
        for position, signal in enumerate(maturity.signals):
            signal_rows.append((pid, position, signal.signal, signal.value, signal.points, signal.max_points, signal.source))
        provenance = project["provenance"]
        for table, entries, target in (("adopters", adopters, adopter_rows), ("providers", providers, provider_rows)):
            if entries:
                origin = provenance.get(table, ("submission",))[0]
                for position, entry in enumerate(entries):
                    target.append((pid, position, entry.get("name"), entry.get("website"), entry.get("country"), origin))
        forge = None
        for url, role in project["repositories"]:
            host = _forge(url)
            if forge is None:
                forge = host if url == project["repository_url"] else _forge(project["repository_url"])
            if url not in repository_urls:
                repository_rows.append((url, pid, host, role))
                repository_urls.add(url)
                if need_history:
                    url_to_project[url] = pid
        if forge is None:
            forge = _forge(project["repository_url"])
        if need_history:
            for url in project.get("history_urls") or ():
                url_to_project.setdefault(url, pid)
        provenance_rows.extend(_provenance_rows(pid, provenance, get("last_checked")))

        words = list(get("tags") or []) + list(get("topics") or []) + list(get("audiences") or [])
        for s in sector_ids:
            words.extend(sector_labels.get(s, ()))
        organisation_name = organisation.get("name") if organisation else None
        # In the order of schema.PROJECT_COLUMNS (checked below, once).
        project_rows.append((
            pid,
            project["name"],
            best,
            descriptions.get("en"),
            descriptions.get("fr"),
            best_lang,
            _JSON_UNICODE_SORTED(descriptions),
            project["repository_url"],
            forge,
            get("website"),
            get("contact"),
            info.expression,
            info.label,
            info.family,
            None if info.is_free is None else int(info.is_free),
            _JSON(list(info.spdx_ids)),
            get("status"),
            maturity.level,
            maturity.score,
            _JSON(sector_ids),
            sector_ids[0] if sector_ids else None,
            org_id,
            organisation_name,
            organisation.get("legal_form") if organisation else None,
            organisation.get("country") if organisation else None,
            _JSON(get("languages") or []),
            _JSON_UNICODE(get("audiences") or []),
            _JSON_UNICODE(get("tags") or []),
            _JSON_UNICODE(get("topics") or []),
            " ".join(words),
            len(adopters),
            len(providers),
            get("stars"),
            get("forks"),
            get("open_issues"),
            get("contributors"),
            get("releases_count"),
            get("latest_release"),
            get("latest_release_date"),
            get("created_at"),
            get("last_activity"),
            get("archived"),
            get("has_readme"),
            get("has_ci"),
            get("has_tests"),
            get("relevance"),
            get("origin"),
            get("submission_path"),
            get("first_listed"),
            get("last_checked"),
        ))
        count += 1
        if count % CHUNK == 0:
            flush()
    flush()

    other: dict[str, list[tuple]] = {}
    if need_history:
        other["history"] = []
        for row in crawl.history:
            pid = url_to_project.get(normalise_url(row["url"]))
            if pid:
                other["history"].append(
                    (pid, row.get("date"), row.get("stars"), row.get("forks"), row.get("open_issues"), row.get("contributors"), row.get("releases_count"), row.get("last_activity"))
                )
    other["crawl_runs"] = [tuple(run.get(c) for c in schema.TABLES["crawl_runs"]["columns"]) for run in crawl.crawl_runs]
    other["sectors"] = [
        (sector.id, sector.label_en, sector.label_fr, sector.description_en, sector.description_fr, _JSON_UNICODE_SORTED(sector.keywords), position)
        for position, sector in enumerate(sectors)
    ]
    other["organisations"] = [tuple(o.values()) for _, o in sorted(organisations.items())]
    other["licences"] = [tuple(l[c] for c in schema.TABLES["licences"]["columns"]) for _, l in sorted(licences.items())]
    other["candidates"] = [tuple(c[k] for k in schema.TABLES["candidates"]["columns"]) for c in candidates]
    other["maturity_explanations"] = [(*key, *texts) for key, texts in sorted(maturity_of.explanations.items())]
    other["build_info"] = [("as_of", as_of.isoformat()), ("schema_version", SCHEMA_VERSION)]
    started = time.perf_counter()
    making_rows = started - loop_started - writing
    for table, table_rows in other.items():
        if table_rows:
            conn.executemany(inserts[table], table_rows)
    conn.execute("commit")
    writing += time.perf_counter() - started
    report.phases = {"rows": making_rows, "writing": writing, **schema.create_indexes(db)}
    conn.execute("pragma journal_mode = delete")
    conn.close()
    report.sectors_used = len(used_sectors)


# "2": provenance holds one row per (project, source) with the list of its fields.
# "3": maturity_signals lost explanation_en/_fr to maturity_explanations and gained position.
SCHEMA_VERSION = "3"

# Tables whose rows the build makes unique itself get a plain "insert"; the others keep the first
# of two rows with the same key ("insert or ignore"): two crawl-history rows of one project and
# date reached through two URLs, two candidates given the same id, one licence source listed twice.
_MAY_REPEAT = frozenset({"history", "candidates", "licence_conflicts", "crawl_runs"})


def _insert_sql(table: str, columns: list[str]) -> str:
    verb = "insert or ignore" if table in _MAY_REPEAT else "insert"
    return f"{verb} into [{table}] ({', '.join(f'[{c}]' for c in columns)}) values ({', '.join('?' for _ in columns)})"


def _provenance_rows(pid: str, provenance: dict, recorded_at: str | None) -> list[tuple]:
    """One row per source of a project's facts, with the sorted list of the fields it gave."""
    by_source: dict[tuple[str, str | None], list[str]] = {}
    for field_name, origin in provenance.items():
        fields = by_source.get(origin)
        if fields is None:
            by_source[origin] = [field_name]
        else:
            fields.append(field_name)
    items = sorted(by_source.items(), key=_source_order) if len(by_source) > 1 else by_source.items()
    return [(pid, source, source_url, _fields_json(tuple(fields)), recorded_at) for (source, source_url), fields in items]


def _source_order(item: tuple) -> tuple[str, str]:
    return item[0][0], item[0][1] or ""


@lru_cache(maxsize=4096)
def _fields_json(fields: tuple[str, ...]) -> str:
    return _JSON(sorted(fields))


@lru_cache(maxsize=65536)
def _organisation_id(name: str) -> str:
    """A stable id: the ASCII slug of the name, or, for a name with no Latin letter or digit
    (تعاونية الأمل), ``org-`` and a short hash of it, so that two such names never collide."""
    import hashlib

    from registry.submissions import slugify as ascii_slug

    return ascii_slug(name, max_length=200) or "org-" + hashlib.sha1(name.strip().encode("utf-8")).hexdigest()[:10]


def _licence_row(spdx_id: str, info, catalogue_row) -> dict:
    if len(info.spdx_ids) == 1:
        return catalogue_row(info)
    return catalogue_row(_licence_info(spdx_id))


def _to_date(value: str) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _to_iso_date(value: str | None) -> str | None:
    parsed = _to_date(value) if value else None
    return parsed.isoformat() if parsed else None


def _latest(*values: str | None) -> str | None:
    present = [v for v in values if v]
    return max(present) if present else None


def iter_rows(db_path: Path, table: str) -> Iterator[dict]:
    """Rows of a table of a built database (for exports and tests)."""
    database = sqlite_utils.Database(db_path)
    yield from database[table].rows
