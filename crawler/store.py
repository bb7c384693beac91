"""The crawl store: the crawler's own SQLite file, never published (docs/architecture.md).

``essforge build`` reads its ``repositories``, ``repository_aliases``, ``history`` and
``crawl_runs`` tables. ``http_state`` is crawl state only: the ETag / Last-Modified of every URL
and the *facts* parsed from that URL's last 200 answer, so that a 304 answer can be turned back
into the same facts without the body (this is what makes a recrawl of an unchanged project cost
only 304 answers, and a restarted crawl cheap).

Writes are buffered and committed in small transactions (every ``flush_every`` writes or
``flush_seconds``), each one holding the rows *and* the run's counters, so a crawl killed with
SIGKILL loses at most the last few seconds of work and never leaves a half-written repository.
The file is in WAL mode with a busy timeout, so several crawl processes (``--redis``) can share it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from crawler.sources import normalise_url

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS repositories (
    url TEXT PRIMARY KEY,
    forge_id TEXT,
    forge_type TEXT,
    full_name TEXT,
    data TEXT,
    content_hash TEXT,
    first_seen TEXT,
    last_seen TEXT,
    last_changed TEXT,
    skipped_reason TEXT,
    last_run INTEGER
);
CREATE TABLE IF NOT EXISTS repository_aliases (
    alias_url TEXT PRIMARY KEY,
    url TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS repository_aliases_url ON repository_aliases (url);
CREATE TABLE IF NOT EXISTS http_state (
    url TEXT PRIMARY KEY,
    etag TEXT,
    last_modified TEXT,
    updated_at TEXT,
    facts TEXT,
    facts_version INTEGER
);
CREATE TABLE IF NOT EXISTS history (
    url TEXT NOT NULL,
    date TEXT NOT NULL,
    stars INTEGER,
    forks INTEGER,
    open_issues INTEGER,
    contributors INTEGER,
    releases_count INTEGER,
    last_activity TEXT,
    PRIMARY KEY (url, date)
);
CREATE TABLE IF NOT EXISTS crawl_runs (
    id INTEGER PRIMARY KEY,
    started_at TEXT,
    finished_at TEXT,
    forges TEXT,
    requests INTEGER DEFAULT 0,
    responses_304 INTEGER DEFAULT 0,
    projects_new INTEGER DEFAULT 0,
    projects_updated INTEGER DEFAULT 0,
    projects_unchanged INTEGER DEFAULT 0,
    errors INTEGER DEFAULT 0,
    status TEXT,
    run_key TEXT UNIQUE,
    workers INTEGER DEFAULT 0
);
"""

HISTORY_FIELDS = ("stars", "forks", "open_issues", "contributors", "releases_count", "last_activity")
COUNTERS = ("requests", "responses_304", "projects_new", "projects_updated", "projects_unchanged", "errors")
_MISSING = object()


def utcnow() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def content_hash(data: dict[str, Any]) -> str:
    encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(encoded.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@dataclass
class Run:
    id: int
    started_at: str
    resumed: bool = False

    @property
    def date(self) -> str:
        return self.started_at[:10]


def _retry_locked(action, seconds: float = 60.0):
    """Run ``action``, retrying with back-off while the file is locked by another process."""
    deadline = time.monotonic() + seconds
    delay = 0.02
    while True:
        try:
            return action()
        except sqlite3.OperationalError as error:
            message = str(error).lower()
            if ("locked" not in message and "busy" not in message) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.5)


class Store:
    """One connection to the crawl store. Use :func:`open_store` to share it inside a process
    (several crawlers run in one process: one connection avoids locking ourselves out)."""

    def __init__(self, path: str | Path, *, flush_every: int = 200, flush_seconds: float = 2.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(self.path), isolation_level=None, timeout=60)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA busy_timeout = 60000")
        # Several crawl processes (--redis) may open a new store at the same moment: switching to
        # WAL and creating the tables can then answer "database is locked" at once, without
        # SQLite's busy handler, so these two steps are retried.
        _retry_locked(lambda: self.conn.execute("PRAGMA journal_mode = WAL"))
        self.conn.execute("PRAGMA synchronous = NORMAL")
        _retry_locked(lambda: self.conn.executescript(SCHEMA))
        self.flush_every = flush_every
        self.flush_seconds = flush_seconds
        self._last_flush = time.monotonic()
        self._repos: dict[str, dict | None] = {}
        self._aliases: dict[str, str | None] = {}
        self._http: dict[str, tuple] = {}
        self._history: dict[tuple[str, str], dict | None] = {}
        self._counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self._pending = 0
        self.run: Run | None = None
        self.users = 0

    # ---------------------------------------------------------------- transactions

    def _write(self, action) -> Any:
        """Run ``action`` in one IMMEDIATE transaction, retrying while another process holds the lock."""
        delay = 0.05
        for attempt in range(40):
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 39:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            try:
                result = action()
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
            return result
        raise sqlite3.OperationalError("database is locked")  # pragma: no cover

    def maybe_flush(self) -> None:
        if self._pending >= self.flush_every or (
            self._pending and time.monotonic() - self._last_flush >= self.flush_seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Commit every buffered write and the run's counters in one transaction."""
        if not self._pending and not any(self._counters.values()):
            self._last_flush = time.monotonic()
            return
        repos, aliases, http, history = self._repos, self._aliases, self._http, self._history
        counters = self._counters
        run = self.run

        def action() -> None:
            execute = self.conn.execute
            for url, row in repos.items():
                if row is None:
                    execute("DELETE FROM repositories WHERE url = ?", (url,))
                    execute("DELETE FROM history WHERE url = ?", (url,))
                    continue
                execute(
                    "INSERT INTO repositories (url, forge_id, forge_type, full_name, data, content_hash, first_seen,"
                    " last_seen, last_changed, skipped_reason, last_run) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
                    " ON CONFLICT(url) DO UPDATE SET forge_id=excluded.forge_id, forge_type=excluded.forge_type,"
                    " full_name=excluded.full_name, data=excluded.data, content_hash=excluded.content_hash,"
                    " last_seen=excluded.last_seen, last_changed=excluded.last_changed,"
                    " skipped_reason=excluded.skipped_reason, last_run=excluded.last_run",
                    (url, row["forge_id"], row["forge_type"], row["full_name"], row["data"], row["content_hash"],
                     row["first_seen"], row["last_seen"], row["last_changed"], row["skipped_reason"],
                     row["last_run"]),
                )
            for alias, url in aliases.items():
                if url is None:
                    execute("DELETE FROM repository_aliases WHERE alias_url = ?", (alias,))
                else:
                    execute("INSERT OR REPLACE INTO repository_aliases (alias_url, url) VALUES (?, ?)", (alias, url))
            execute_many = self.conn.executemany
            execute_many(
                "INSERT OR REPLACE INTO http_state (url, etag, last_modified, updated_at, facts, facts_version)"
                " VALUES (?,?,?,?,?,?)",
                [(url, *values) for url, values in http.items()],
            )
            for (url, day), row in history.items():
                if row is None:
                    execute("DELETE FROM history WHERE url = ? AND date = ?", (url, day))
                    continue
                execute(
                    "INSERT OR REPLACE INTO history (url, date, stars, forks, open_issues, contributors,"
                    " releases_count, last_activity) VALUES (?,?,?,?,?,?,?,?)",
                    (url, day, *(row.get(name) for name in HISTORY_FIELDS)),
                )
            if run is not None and any(counters.values()):
                sets = ", ".join(f"{name} = COALESCE({name}, 0) + ?" for name in COUNTERS)
                execute(f"UPDATE crawl_runs SET {sets} WHERE id = ?", (*(counters[n] for n in COUNTERS), run.id))

        self._write(action)
        self._repos, self._aliases, self._http, self._history = {}, {}, {}, {}
        self._counters = dict.fromkeys(COUNTERS, 0)
        self._pending = 0
        self._last_flush = time.monotonic()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.conn.close()

    # ---------------------------------------------------------------- crawl runs

    def begin_run(
        self, forges: list[str], *, run_key: str | None = None, resume: bool = True,
        resume_window: float = 24 * 3600,
    ) -> Run:
        """Start a crawl run, or carry on with an unfinished one.

        :param forges: the forge ids crawled
        :param run_key: shared by the processes of one ``--redis`` crawl: they join one run
        :param resume: carry on with the last run left ``running`` (killed) for the same forges
            if it started less than ``resume_window`` seconds ago; otherwise it is marked
            ``interrupted`` and a new run starts
        """
        forges_json = json.dumps(sorted(forges))
        now = utcnow()

        def action() -> Run:
            execute = self.conn.execute
            if run_key:
                row = execute("SELECT * FROM crawl_runs WHERE run_key = ?", (run_key,)).fetchone()
                if row is not None:
                    execute("UPDATE crawl_runs SET workers = COALESCE(workers, 0) + 1, status = 'running',"
                            " finished_at = NULL WHERE id = ?", (row["id"],))
                    return Run(row["id"], row["started_at"], resumed=True)
            else:
                rows = execute("SELECT * FROM crawl_runs WHERE status = 'running' AND run_key IS NULL"
                               " ORDER BY id DESC").fetchall()
                for row in rows:
                    age = _age_seconds(row["started_at"])
                    if resume and row["forges"] == forges_json and age is not None and age < resume_window:
                        execute("UPDATE crawl_runs SET workers = 1 WHERE id = ?", (row["id"],))
                        return Run(row["id"], row["started_at"], resumed=True)
                    execute("UPDATE crawl_runs SET status = 'interrupted' WHERE id = ?", (row["id"],))
            cursor = execute(
                "INSERT INTO crawl_runs (started_at, forges, status, run_key, workers, requests, responses_304,"
                " projects_new, projects_updated, projects_unchanged, errors) VALUES (?, ?, 'running', ?, 1,"
                " 0, 0, 0, 0, 0, 0)",
                (now, forges_json, run_key),
            )
            return Run(cursor.lastrowid, now)

        self.run = self._write(action)
        return self.run

    def finish_run(self, status: str = "finished") -> dict[str, Any]:
        """Flush, then close the run (the last of several ``--redis`` workers closes it)."""
        self.flush()
        run = self.run
        if run is None:
            return {}

        def action() -> None:
            row = self.conn.execute("SELECT workers FROM crawl_runs WHERE id = ?", (run.id,)).fetchone()
            workers = max((row["workers"] or 1) - 1, 0) if row else 0
            if workers == 0 or status != "finished":
                self.conn.execute(
                    "UPDATE crawl_runs SET workers = ?, status = ?, finished_at = ? WHERE id = ?",
                    (workers, status if workers == 0 else "running", utcnow(), run.id),
                )
            else:
                self.conn.execute("UPDATE crawl_runs SET workers = ? WHERE id = ?", (workers, run.id))

        self._write(action)
        return self.run_row(run.id)

    def run_row(self, run_id: int) -> dict[str, Any]:
        row = self.conn.execute("SELECT * FROM crawl_runs WHERE id = ?", (run_id,)).fetchone()
        return dict(row) if row else {}

    def add_counters(self, **deltas: int) -> None:
        for name, value in deltas.items():
            if value:
                self._counters[name] += int(value)

    # ---------------------------------------------------------------- conditional requests

    def http_state(self, url: str, facts_version: int) -> tuple[str | None, str | None] | None:
        pending = self._http.get(url)
        if pending is not None:
            etag, last_modified, _, _, version = pending
        else:
            row = self.conn.execute(
                "SELECT etag, last_modified, facts_version FROM http_state WHERE url = ?", (url,)
            ).fetchone()
            if row is None:
                return None
            etag, last_modified, version = row
        if version != facts_version or not (etag or last_modified):
            return None
        return etag, last_modified

    def facts(self, url: str, facts_version: int) -> Any:
        """The facts stored with the ETag of ``url``, or ``None``."""
        pending = self._http.get(url)
        if pending is not None:
            raw, version = pending[3], pending[4]
        else:
            row = self.conn.execute("SELECT facts, facts_version FROM http_state WHERE url = ?", (url,)).fetchone()
            if row is None:
                return None
            raw, version = row
        if version != facts_version or raw is None:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def save_http_state(self, url: str, etag: str | None, last_modified: str | None, facts: Any,
                        facts_version: int) -> None:
        if not (etag or last_modified):
            return
        encoded = json.dumps(facts, ensure_ascii=False, separators=(",", ":"), default=str)
        self._http[url] = (etag, last_modified, utcnow(), encoded, facts_version)
        self._pending += 1
        self.maybe_flush()

    # ---------------------------------------------------------------- repositories

    def repository(self, url: str) -> dict[str, Any] | None:
        """The stored row of a canonical URL (buffered writes included), ``data`` decoded."""
        url = normalise_url(url)
        row = self._repos.get(url, _MISSING)
        if row is _MISSING:
            found = self.conn.execute("SELECT * FROM repositories WHERE url = ?", (url,)).fetchone()
            row = dict(found) if found else None
        if row is None:
            return None
        row = dict(row)
        try:
            row["data"] = json.loads(row.get("data") or "{}")
        except ValueError:
            row["data"] = {}
        return row

    def alias_target(self, alias_url: str) -> str | None:
        alias_url = normalise_url(alias_url)
        if alias_url in self._aliases:
            return self._aliases[alias_url]
        row = self.conn.execute("SELECT url FROM repository_aliases WHERE alias_url = ?", (alias_url,)).fetchone()
        return row[0] if row else None

    def aliases_of(self, url: str) -> list[str]:
        url = normalise_url(url)
        found = {r[0] for r in self.conn.execute("SELECT alias_url FROM repository_aliases WHERE url = ?", (url,))}
        for alias, target in self._aliases.items():
            if target == url:
                found.add(alias)
            elif alias in found and target != url:
                found.discard(alias)
        return sorted(found)

    def resolve(self, url: str) -> str:
        """The canonical URL that holds the data for ``url`` (itself when not an alias)."""
        url = normalise_url(url)
        return self.alias_target(url) or url

    def done_in_run(self, url: str) -> bool:
        """True when ``url`` was already stored by the current run (a resumed crawl skips it)."""
        if self.run is None:
            return False
        row = self.repository(self.resolve(url))
        return bool(row and row.get("last_run") == self.run.id)

    def set_alias(self, alias_url: str, url: str | None) -> None:
        alias_url = normalise_url(alias_url)
        if url is not None:
            url = normalise_url(url)
            if alias_url == url:
                return
        self._aliases[alias_url] = url
        self._pending += 1

    def delete_repository(self, url: str) -> None:
        self._repos[normalise_url(url)] = None
        self._pending += 1

    def put_repository(
        self, url: str, *, forge_id: str, forge_type: str, full_name: str, data: dict[str, Any],
        skipped_reason: str | None = None, history: bool = True, count: bool = True,
    ) -> str:
        """Buffer one repository row; return ``new``, ``updated`` or ``unchanged``.

        The content hash covers ``data``; ``last_changed`` moves only when it changes. A dated
        history snapshot (one per crawl date) is written for crawled, not skipped, repositories.
        """
        url = normalise_url(url)
        now = utcnow()
        encoded = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        digest = content_hash(data)
        old = self.repository(url)
        if old is None:
            status = "new"
        elif old.get("content_hash") == digest and old.get("skipped_reason") == skipped_reason:
            status = "unchanged"
        else:
            status = "updated"
        self._repos[url] = {
            "forge_id": forge_id, "forge_type": forge_type, "full_name": full_name, "data": encoded,
            "content_hash": digest,
            "first_seen": (old or {}).get("first_seen") or now,
            "last_seen": now,
            "last_changed": now if status != "unchanged" else (old.get("last_changed") or now),
            "skipped_reason": skipped_reason,
            "last_run": self.run.id if self.run else None,
        }
        self._pending += 1
        if count and self.run is not None:
            # A project stored twice in one run (a resumed run, a mirror folded in) counts once.
            if not (old and old.get("last_run") == self.run.id):
                self._counters[f"projects_{status}"] += 1
        if history and skipped_reason is None and self.run is not None:
            self._history[(url, self.run.date)] = {name: data.get(name) for name in HISTORY_FIELDS}
        self.maybe_flush()
        return status

    def drop_history(self, url: str) -> None:
        if self.run is not None:
            self._history[(normalise_url(url), self.run.date)] = None
            self._pending += 1


def _age_seconds(timestamp: str | None) -> float | None:
    if not timestamp:
        return None
    try:
        started = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return (datetime.now(timezone.utc) - started).total_seconds()


_STORES: dict[str, Store] = {}


def open_store(path: str | Path) -> Store:
    """The process-wide :class:`Store` of ``path`` (opened once, shared by every crawler)."""
    key = str(Path(path).resolve())
    store = _STORES.get(key)
    if store is None:
        store = _STORES[key] = Store(path)
    return store


def close_store(path: str | Path) -> None:
    store = _STORES.pop(str(Path(path).resolve()), None)
    if store is not None:
        store.close()
