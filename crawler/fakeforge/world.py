"""The generated world behind the fake forge: owners and repositories of three forges.

Everything is deterministic from the seed. A repository is kept in one forge-neutral form
(:class:`Repo`); ``render.py`` turns it into each API's JSON.
"""

from __future__ import annotations

import hashlib
import random
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from . import texts

FORGES = ("github", "gitlab", "gitea")
DEFAULT_WEB_BASES = {
    "github": "https://github.com",
    "gitlab": "https://gitlab.example",
    "gitea": "https://codeberg.example",
}
# The world's "now": dates are fixed so that bodies (and ETags) do not change between runs.
REFERENCE_DATE = datetime(2026, 11, 1, tzinfo=timezone.utc)

# Root files a forge's licence detector looks at (Licensee / GitLab / Gitea all look for these).
LICENCE_FILE_PREFIXES = ("license", "licence", "copying", "unlicense")


def iso(dt: datetime) -> str:
    if dt.tzinfo is not timezone.utc:
        dt = dt.astimezone(timezone.utc)
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}Z"


def parse_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc)


def git_blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


def fake_sha(*parts: Any) -> str:
    return hashlib.sha1("\x00".join(map(str, parts)).encode()).hexdigest()


@dataclass(slots=True)
class Owner:
    forge: str
    login: str              # GitLab: the full namespace path ("reseau-ess/outils")
    id: int
    kind: str               # "org" (GitHub organisation, GitLab group, Gitea org) or "user"
    display_name: str = ""
    description: str = ""
    website: str = ""
    location: str = ""
    parent: str | None = None   # GitLab subgroups

    @property
    def name(self) -> str:
        return self.login.rsplit("/", 1)[-1]


@dataclass(slots=True)
class Repo:
    forge: str
    owner: str
    name: str
    id: int
    display_name: str | None = None          # GitLab `name` (may differ from the path)
    description: str = ""
    topics: list[str] = field(default_factory=list)
    homepage: str | None = None
    language: str | None = None
    languages: dict[str, int] = field(default_factory=dict)
    stars: int = 0
    forks: int = 0
    open_issues: int = 0
    watchers: int = 1
    size: int = 100
    fork: bool = False
    parent: str | None = None                # full name of the parent, same forge
    mirror: bool = False
    mirror_of: str | None = None             # URL of the original
    archived: bool = False
    private: bool = False
    default_branch: str = "main"
    created_at: str = "2020-01-01T00:00:00Z"
    updated_at: str = "2024-01-01T00:00:00Z"
    pushed_at: str = "2024-01-01T00:00:00Z"
    license: str | None = None               # what the forge API detects: SPDX id, "other" or None
    files: dict[str, bytes] = field(default_factory=dict)
    releases: list[dict[str, Any]] = field(default_factory=list)   # newest first
    contributors: int = 1
    has_issues: bool = True
    labels: list[str] = field(default_factory=list)   # sse, irrelevant, fork, mirror, hostile...
    truth: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def title(self) -> str:
        return self.display_name or self.name

    def licence_file(self) -> str | None:
        """The root file the forge's detector reads, or None."""
        for path in sorted(self.files):
            if "/" not in path and path.lower().startswith(LICENCE_FILE_PREFIXES):
                return path
        return None

    def readme_file(self) -> str | None:
        for path in sorted(self.files):
            if "/" not in path and path.lower().startswith("readme"):
                return path
        return None

    def latest_release(self) -> dict[str, Any] | None:
        for release in self.releases:
            if not release.get("draft") and not release.get("prerelease"):
                return release
        return None

    def updated_dt(self) -> datetime:
        return parse_iso(self.updated_at)

    def listing(self, directory: str) -> list[tuple[str, str, bytes | None]] | None:
        """Children of ``directory`` ("" = root) as (name, type, data); None if not a dir."""
        directory = directory.strip("/")
        prefix = directory + "/" if directory else ""
        children: dict[str, tuple[str, bytes | None]] = {}
        found = not directory
        for path, data in self.files.items():
            if not path.startswith(prefix):
                continue
            found = True
            rest = path[len(prefix):]
            head, sep, _ = rest.partition("/")
            if sep:
                children.setdefault(head, ("dir", None))
            else:
                children[head] = ("file", data)
        if not found:
            return None
        return [(name, kind, data) for name, (kind, data) in sorted(children.items())]

    def truth_record(self, web_base: str) -> dict[str, Any]:
        return {
            "forge": self.forge, "id": self.id, "full_name": self.full_name,
            "web_url": f"{web_base}/{self.full_name}",
            "description": self.description, "topics": list(self.topics),
            "fork": self.fork, "parent": self.parent, "mirror": self.mirror,
            "mirror_of": self.mirror_of, "archived": self.archived,
            "api_licence": self.license, "licence_file": self.licence_file(),
            "files": sorted(self.files), "releases": len(self.releases),
            "contributors": self.contributors, "stars": self.stars,
            "labels": list(self.labels), **self.truth,
        }


REPO_FIELDS = {f for f in Repo.__dataclass_fields__} - {"forge", "id", "cache", "version"}


class World:
    """All repositories of the three fake forges. Mutations go through the lock."""

    def __init__(self, repos: int = 30, seed: int = 0, hostile: bool = False,
                 web_bases: dict[str, str] | None = None):
        self.seed = seed
        self.web_bases = dict(DEFAULT_WEB_BASES, **(web_bases or {}))
        self.lock = threading.RLock()
        self.version = 0
        self.repos: dict[str, dict[str, Repo]] = {f: {} for f in FORGES}   # lower full name
        self.by_id: dict[str, dict[int, Repo]] = {f: {} for f in FORGES}
        self.owners: dict[str, dict[str, Owner]] = {f: {} for f in FORGES}  # lower login
        self.owner_ids: dict[str, dict[int, Owner]] = {f: {} for f in FORGES}
        self._next_repo_id = {"github": 300_000_001, "gitlab": 4_001, "gitea": 10_001}
        self._next_owner_id = {"github": 9_000_001, "gitlab": 101, "gitea": 1_001}
        self._ordered: dict[str, list[Repo] | None] = {f: None for f in FORGES}
        for forge in FORGES:
            _populate(self, forge, repos, seed, hostile)

    # --- queries ---------------------------------------------------------------------------
    def get(self, forge: str, full_name: str) -> Repo | None:
        return self.repos[forge].get(full_name.lower())

    def get_id(self, forge: str, repo_id: int) -> Repo | None:
        return self.by_id[forge].get(repo_id)

    def owner(self, forge: str, login: str) -> Owner | None:
        return self.owners[forge].get(login.lower())

    def all(self, forge: str) -> list[Repo]:
        ordered = self._ordered[forge]
        if ordered is None:
            ordered = sorted(self.repos[forge].values(), key=lambda r: r.id)
            self._ordered[forge] = ordered
        return ordered

    def web_url(self, repo: Repo) -> str:
        return f"{self.web_bases[repo.forge]}/{repo.full_name}"

    # --- changes ---------------------------------------------------------------------------
    def ensure_owner(self, forge: str, login: str, kind: str | None = None, **fields: Any) -> Owner:
        with self.lock:
            found = self.owners[forge].get(login.lower())
            if found:
                return found
            parent = None
            if "/" in login:   # GitLab subgroup: make the parents first
                parent = login.rsplit("/", 1)[0]
                self.ensure_owner(forge, parent, "org")
            if kind is None:
                kind = "user" if login in texts.USERS else "org"
            oid = self._next_owner_id[forge]
            self._next_owner_id[forge] += 1
            short = login.rsplit("/", 1)[-1]
            owner = Owner(forge, login, oid, kind, display_name=fields.pop("display_name", short.replace("-", " ").title()),
                          parent=parent, **fields)
            self.owners[forge][login.lower()] = owner
            self.owner_ids[forge][oid] = owner
            self.version += 1
            return owner

    def add_repo(self, forge: str, owner: str, name: str, files: dict[str, str | bytes] | None = None,
                 **fields: Any) -> Repo:
        if forge not in FORGES:
            raise ValueError(f"forge must be one of {FORGES}, not {forge!r}")
        unknown = set(fields) - REPO_FIELDS - {"owner_kind"}
        if unknown:
            raise ValueError(f"unknown repository fields: {sorted(unknown)!r}")
        with self.lock:
            if self.get(forge, f"{owner}/{name}"):
                raise ValueError(f"{forge} repository {owner}/{name} already exists")
            owner_kind = fields.pop("owner_kind", None)
            self.ensure_owner(forge, owner, owner_kind)
            repo_id = fields.pop("id", None) or self._next_repo_id[forge]
            self._next_repo_id[forge] = max(self._next_repo_id[forge], repo_id) + 1
            repo = Repo(forge=forge, owner=owner, name=name, id=repo_id, **fields)
            repo.files = {p: _b(d) for p, d in (files or {}).items()}
            if "license" not in fields:
                repo.license = _detect(repo)
            if not repo.languages and repo.language:
                repo.languages = {repo.language: repo.size * 1000}
            self.repos[forge][repo.full_name.lower()] = repo
            self.by_id[forge][repo.id] = repo
            self._ordered[forge] = None
            self.version += 1
            return repo

    def mutate(self, forge: str, full_name: str, files: dict[str, str | bytes] | None = None,
               delete_files: list[str] | None = None, delete: bool = False, **fields: Any) -> Repo:
        """Change a repository as a push would: bumps ``updated_at``/``pushed_at``."""
        unknown = set(fields) - REPO_FIELDS - {"owner", "name"}
        if unknown:
            raise ValueError(f"unknown repository fields: {sorted(unknown)!r}")
        with self.lock:
            repo = self.get(forge, full_name)
            if repo is None:
                raise KeyError(f"no {forge} repository {full_name!r}")
            if delete:
                del self.repos[forge][repo.full_name.lower()]
                del self.by_id[forge][repo.id]
                self._ordered[forge] = None
                self.version += 1
                return repo
            for path, data in (files or {}).items():
                repo.files[path] = _b(data)
            for path in delete_files or []:
                repo.files.pop(path, None)
            for key, value in fields.items():
                setattr(repo, key, value)
            if "updated_at" not in fields:
                # one day later, so Last-Modified moves even at second resolution
                bumped = max(repo.updated_dt(), parse_iso(repo.pushed_at)) + timedelta(days=1)
                repo.updated_at = iso(bumped)
                if files or delete_files or "pushed_at" not in fields:
                    repo.pushed_at = iso(bumped)
            if (files or delete_files) and "license" not in fields:
                repo.license = _detect(repo)
            repo.version += 1
            repo.cache.clear()
            if "owner" in fields or "name" in fields:   # a rename
                self.ensure_owner(forge, repo.owner)
                self.repos[forge] = {r.full_name.lower(): r for r in self.repos[forge].values()}
            self._ordered[forge] = None
            self.version += 1
            return repo


def _b(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def _detect(repo: Repo) -> str | None:
    """What a forge's licence detector would say: SPDX id, "other", or None."""
    path = repo.licence_file()
    if path is None:
        return None
    text = repo.files[path].decode("utf-8", "replace")
    for spdx, (template, _key, _name) in texts.LICENCES.items():
        head = template.strip().splitlines()[0].strip()
        if "{" not in head and head in text:
            return spdx
    return "other"


# --- generation ---------------------------------------------------------------------------
LICENCE_CHOICES = [
    ("MIT", 20), ("AGPL-3.0", 15), ("GPL-3.0", 15), ("Apache-2.0", 10), ("LGPL-3.0", 5),
    ("MPL-2.0", 5), ("EUPL-1.2", 5), ("BSD-3-Clause", 5), ("CECILL-2.1", 3), ("CoopCycle", 5),
    ("nonstandard-name", 4), (None, 8),
]
PACKAGE_JSON_SPDX = {"GPL-3.0": "GPL-3.0-or-later", "AGPL-3.0": "AGPL-3.0-or-later",
                     "LGPL-3.0": "LGPL-3.0-only", "CECILL-2.1": "CECILL-2.1"}


def _spdx_full(spdx: str) -> str:
    return PACKAGE_JSON_SPDX.get(spdx, spdx)


def _scenarios(forge: str, hostile: bool) -> list[dict[str, Any]]:
    """Hand-written repositories that every world has (the first ones, in this order)."""
    gh, gl, ge = (DEFAULT_WEB_BASES[f] for f in FORGES)
    coop = texts.SSE_THEMES[11]
    if forge == "github":
        specs = [
            dict(owner="coopcycle", name="coopcycle-web", theme=11, description=coop[2]["en"],
                 topics=["cooperative", "delivery", "platform-cooperative", "logistics"],
                 homepage="https://coopcycle.example", language="PHP",
                 languages={"PHP": 2_400_000, "JavaScript": 1_900_000, "Twig": 400_000},
                 stars=612, forks=130, open_issues=210, contributors=48, releases=12,
                 licence="CoopCycle", licence_name="LICENSE", package_json="MIT", ci=True, tests=True,
                 readme_langs={"en": coop[2]["en"], "fr": coop[2]["fr"]}, labels=["sse", "conflict"],
                 created=datetime(2016, 6, 1)),
            dict(owner="monnaie-libre", name="caisse-monnaie-locale", theme=2, licence="GPL-3.0",
                 licence_name="COPYING", language="Python", ci=True, tests=True, releases=4, labels=["sse"]),
            dict(owner="civic-tech-fr", name="budget-participatif", theme=5, licence="AGPL-3.0",
                 licence_name="LICENSE-AGPL", api_licence="other", publiccode=True, language="Ruby",
                 releases=20, contributors=31, ci=True, tests=True, labels=["sse", "publiccode"]),
            dict(owner="jdupont", name="budget-participatif", fork_of="civic-tech-fr/budget-participatif",
                 labels=["fork"]),
            dict(owner="amap-collectif", name="amap-manager", theme=3, licence="AGPL-3.0",
                 mirror_of=f"{gl}/collectif-amap/amap-manager", language="Python",
                 description=f"Mirror of {gl}/collectif-amap/amap-manager", labels=["mirror"]),
            dict(owner="coopdev", name="ancien-outil-adherents", theme=0, licence="GPL-3.0",
                 archived=True, created=datetime(2013, 3, 1), pushed=datetime(2017, 5, 2),
                 labels=["sse", "archived"]),
            dict(owner="assoc-tools", name="gestion-benevoles", theme=1, licence=None,
                 language="JavaScript", labels=["sse", "no-licence"]),
            dict(owner="coopdev", name="circuit-court-app", theme=3, licence="MIT", licence_name="LICENCE.txt",
                 package_json="MIT", language="TypeScript", ci=True, labels=["sse"]),
            dict(owner="solidarites-num", name="microfinance-core", theme=4, licence="AGPL-3.0",
                 licence_name="GNU-AGPL-3.0", api_licence=None, language="Java", tests=True,
                 labels=["sse", "undetected-licence"]),
            dict(owner="pixelgamer", name="space-shooter", theme=-1, licence="MIT", ci=False,
                 labels=["irrelevant"]),
            dict(owner="jdoe", name="dotfiles", theme=-2, licence=None, readme=False, ci=False, tests=False,
                 releases=0, labels=["irrelevant"]),
        ]
    elif forge == "gitlab":
        specs = [
            dict(owner="collectif-amap", name="amap-manager", theme=3, licence="AGPL-3.0", language="Python",
                 ci=True, tests=True, releases=7, labels=["sse"]),
            dict(owner="reseau-ess/outils", name="gestion-cooperative", theme=0, licence="EUPL-1.2",
                 publiccode=True, language="PHP", ci=True, labels=["sse", "publiccode", "subgroup"]),
            dict(owner="mmartin", name="gestion-cooperative", fork_of="reseau-ess/outils/gestion-cooperative",
                 labels=["fork"]),
            dict(owner="mirrors", name="coopcycle-web", mirror_of=f"{gh}/coopcycle/coopcycle-web",
                 description=f"Mirror of {gh}/coopcycle/coopcycle-web", licence="CoopCycle",
                 theme=11, labels=["mirror"]),
            dict(owner="reseau-ess", name="annuaire-ess", theme=13, licence="GPL-3.0", licence_name="COPYING",
                 language="Python", archived=True, pushed=datetime(2019, 1, 10), labels=["sse", "archived"]),
            dict(owner="reseau-ess", name="banque-alimentaire", theme=8, licence="MIT", package_json="AGPL-3.0-only",
                 language="JavaScript", labels=["sse", "conflict"]),
            dict(owner="reseau-ess", name="tiers-lieu-reservations", theme=6, licence=None, labels=["sse", "no-licence"]),
            dict(owner="kmuller", name="dotfiles", theme=-2, licence=None, labels=["irrelevant"]),
        ]
    else:
        specs = [
            dict(owner="monnaie-libre", name="gestion-monnaie", theme=2, licence="EUPL-1.2", language="Go",
                 ci=True, tests=True, releases=3, labels=["sse"]),
            dict(owner="mirrors", name="coopcycle-web", mirror_of=f"{gh}/coopcycle/coopcycle-web",
                 description="", licence="CoopCycle", theme=11, labels=["mirror"]),
            dict(owner="entraide", name="banca-del-tempo", theme=12, licence="AGPL-3.0", language="Elixir",
                 publiccode=True, package_json="MIT", labels=["sse", "publiccode", "conflict"]),
            dict(owner="lrossi", name="banca-del-tempo", fork_of="entraide/banca-del-tempo", labels=["fork"]),
            dict(owner="entraide", name="recyclerie-caisse", theme=9, licence="GPL-3.0", archived=True,
                 pushed=datetime(2020, 2, 2), labels=["sse", "archived"]),
            dict(owner="entraide", name="energie-citoyenne", theme=14, licence="CECILL-2.1", language="Python",
                 ci=True, labels=["sse"]),
            dict(owner="pixelgamer", name="minecraft-mod", theme=-6, licence="MIT", labels=["irrelevant"]),
        ]
    if hostile:
        specs.append(dict(owner="hackerman", name="xss-coop", theme=0, licence="MIT",
                          description=texts.HOSTILE_DESCRIPTION,
                          display_name=f"{texts.HOSTILE_SCRIPT} Coop",
                          topics=[texts.HOSTILE_SCRIPT, '<img src=x onerror="alert(1)">', "cooperative"],
                          homepage="javascript:alert(1)", readme_text=texts.HOSTILE_README,
                          labels=["hostile"]))
    return specs


def _populate(world: World, forge: str, count: int, seed: int, hostile: bool) -> None:
    rng = random.Random(f"essforge-fakeforge:{seed}:{forge}")
    specs = _scenarios(forge, hostile)
    if hostile and count < len(specs):
        specs = specs[:max(count - 1, 0)] + specs[-1:]
    else:
        specs = specs[:count]
    for spec in specs:
        _build(world, forge, rng, **spec)
    n_orgs = max(4, count // 25)
    orgs = []
    for i in range(n_orgs):
        org = f"{rng.choice(texts.ORG_WORDS)}-{rng.choice(texts.ORG_SUFFIXES)}"
        if forge == "gitlab" and i % 5 == 4 and orgs:
            org = f"{rng.choice(orgs)}/{rng.choice(['outils', 'apps', 'labs'])}"
        if org not in orgs:
            orgs.append(org)
    made: list[Repo] = []
    originals: list[Repo] = []
    while len(world.repos[forge]) < count:
        i = len(world.repos[forge])
        roll = rng.random()
        if made and roll < 0.08:
            parent = rng.choice(originals or made)
            owner = rng.choice(texts.USERS[:6])
            if world.get(forge, f"{owner}/{parent.name}") is None:
                made.append(_build(world, forge, rng, owner=owner, name=parent.name,
                                   fork_of=parent.full_name, labels=["fork"]))
                continue
        irrelevant = rng.random() < 0.2
        if irrelevant:
            theme = -rng.randrange(1, len(texts.IRRELEVANT_THEMES) + 1)
            owner = rng.choice(texts.USERS) if rng.random() < 0.6 else rng.choice(orgs)
            labels = ["irrelevant"]
        else:
            theme = rng.randrange(len(texts.SSE_THEMES))
            owner = rng.choice(orgs) if rng.random() < 0.85 else rng.choice(texts.USERS[:6])
            labels = ["sse"]
        slug = (texts.IRRELEVANT_THEMES[-theme - 1] if theme < 0 else texts.SSE_THEMES[theme])[0]
        name = f"{slug}-{rng.choice(texts.SUFFIXES)}"
        while world.get(forge, f"{owner}/{name}") is not None:
            name = f"{name}-{i}"
        spec: dict[str, Any] = dict(owner=owner, name=name, theme=theme, labels=labels)
        if rng.random() < 0.03:
            other = rng.choice([f for f in FORGES if f != forge])
            spec["mirror_of"] = f"{DEFAULT_WEB_BASES[other]}/{owner}/{name}"
            spec["labels"] = labels + ["mirror"]
        if rng.random() < 0.08:
            spec["archived"] = True
            spec["labels"] = spec["labels"] + ["archived"]
        made.append(_build(world, forge, rng, **spec))
        originals.append(made[-1])


def _build(world: World, forge: str, rng: random.Random, *, owner: str, name: str,
           theme: int | None = None, labels: list[str], fork_of: str | None = None,
           licence: Any = "random", licence_name: str | None = None, api_licence: Any = "auto",
           package_json: Any = "auto", publiccode: Any = "auto", ci: Any = "auto", tests: Any = "auto",
           readme: bool = True, readme_text: str | None = None, readme_langs: dict[str, str] | None = None,
           releases: Any = "auto", created: datetime | None = None, pushed: datetime | None = None,
           mirror_of: str | None = None, **fields: Any) -> Repo:
    if fork_of:
        parent = world.get(forge, fork_of)
        assert parent is not None, fork_of
        created_dt = parse_iso(parent.pushed_at) - timedelta(days=rng.randrange(1, 300))
        created_dt = max(created_dt, parse_iso(parent.created_at) + timedelta(days=1))
        return world.add_repo(
            forge, owner, name, files=dict(parent.files), description=parent.description,
            topics=[], homepage=None, language=parent.language, languages=dict(parent.languages),
            stars=rng.randrange(0, 3), forks=0, open_issues=0, fork=True, parent=parent.full_name,
            default_branch=parent.default_branch, created_at=iso(created_dt),
            updated_at=iso(created_dt + timedelta(days=2)), pushed_at=iso(created_dt + timedelta(days=1)),
            license=parent.license, contributors=max(1, parent.contributors // 3), labels=labels,
            display_name=parent.display_name, truth=dict(parent.truth), size=parent.size,
        )

    if theme is None:
        theme = rng.randrange(len(texts.SSE_THEMES))
    slug, topics, descriptions = (texts.IRRELEVANT_THEMES[-theme - 1] if theme < 0
                                  else texts.SSE_THEMES[theme])
    lang_code = rng.choice(sorted(descriptions))
    description = fields.pop("description", descriptions[lang_code])
    topics = fields.pop("topics", list(topics[: rng.randrange(1, len(topics) + 1)]))
    language = fields.pop("language", None) or rng.choice(texts.LANGUAGES)[0]
    extra_langs = dict(texts.LANGUAGES).get(language, [])
    languages = fields.pop("languages", None) or {
        language: rng.randrange(50_000, 3_000_000),
        **{lang: rng.randrange(1_000, 400_000) for lang in extra_langs[: rng.randrange(0, len(extra_langs) + 1)]},
    }
    created_dt = (created.replace(tzinfo=timezone.utc) if created else
                  REFERENCE_DATE - timedelta(days=rng.randrange(200, 4500)))
    if pushed:
        pushed_dt = pushed.replace(tzinfo=timezone.utc)
    else:
        span = (REFERENCE_DATE - created_dt).days
        pushed_dt = REFERENCE_DATE - timedelta(days=int(span * rng.random() ** 3), seconds=rng.randrange(86400))
    pushed_dt = max(pushed_dt, created_dt + timedelta(days=1))
    updated_dt = pushed_dt + timedelta(hours=rng.randrange(0, 48))
    holder = world.owners[forge].get(owner.lower())
    holder_name = holder.display_name if holder else owner.rsplit("/", 1)[-1]

    files: dict[str, str | bytes] = {}
    truth: dict[str, Any] = {}
    if licence == "random":
        licence = _weighted(rng, LICENCE_CHOICES)
    if licence == "nonstandard-name":
        licence, licence_name = "AGPL-3.0", rng.choice(["LICENSE-AGPL", "GNU-AGPL-3.0"])
    if licence:
        if licence_name is None:
            licence_name = rng.choice(["LICENSE"] * 6 + ["LICENSE.md", "LICENCE", "COPYING", "LICENSE.txt"])
            if licence_name == "COPYING" and licence not in ("GPL-3.0", "LGPL-3.0", "AGPL-3.0"):
                licence_name = "LICENSE"
        files[licence_name] = texts.licence_text(licence, holder_name, created_dt.year)
        truth["licence_file_spdx"] = "LicenseRef-CoopCycle" if licence == "CoopCycle" else _spdx_full(licence)
    else:
        truth["licence_file_spdx"] = None
    if package_json == "auto":
        package_json = None
        if language in ("JavaScript", "TypeScript", "PHP") and rng.random() < 0.5:
            package_json = _spdx_full(licence) if licence and licence != "CoopCycle" else None
            if rng.random() < 0.2:
                package_json = rng.choice(["MIT", "ISC", "GPL-3.0-only"])
    if package_json or (package_json is None and language in ("JavaScript", "TypeScript") and rng.random() < 0.3):
        files["package.json"] = texts.package_json(name, package_json or None)
    truth["package_json_licence"] = package_json or None
    if publiccode == "auto":
        publiccode = theme >= 0 and rng.random() < 0.1
    if publiccode:
        pc_licence = truth["licence_file_spdx"] or "AGPL-3.0-or-later"
        files["publiccode.yml"] = texts.publiccode_yml(
            name, f"{world.web_bases[forge]}/{owner}/{name}", pc_licence, descriptions.get("fr", description))
    truth["publiccode"] = bool(publiccode)
    if readme:
        text = readme_text or texts.readme(name, readme_langs or descriptions, topics)
        files[rng.choice(["README.md"] * 8 + ["README.rst", "Readme.md"])] = text
    truth["has_readme"] = bool(readme)
    if ci == "auto":
        ci = rng.random() < 0.5
    if ci:
        if forge == "github" or (forge == "gitea" and rng.random() < 0.3):
            files[".github/workflows/ci.yml" if forge == "github" else ".forgejo/workflows/ci.yml"] = texts.CI_GITHUB
        elif forge == "gitlab":
            files[".gitlab-ci.yml"] = texts.CI_GITLAB
        else:
            files[".woodpecker.yml"] = texts.CI_WOODPECKER
    truth["has_ci"] = bool(ci)
    if tests == "auto":
        tests = rng.random() < 0.5
    if tests:
        files[rng.choice(["tests/test_app.py", "test/app.test.js", "spec/app_spec.rb"])] = texts.TEST_FILE
    truth["has_tests"] = bool(tests)
    files["src/main.txt"] = f"{name}\n"

    if releases == "auto":
        releases = 0 if rng.random() < 0.3 else int(rng.paretovariate(1.2))
    release_list = []
    for k in range(releases):
        date = pushed_dt - timedelta(days=k * rng.randrange(20, 90) + rng.randrange(0, 5))
        if date < created_dt:
            break
        major, minor = divmod(releases - k, 5)
        release_list.append({"tag": f"v{major}.{minor}.0", "name": f"Version {major}.{minor}.0",
                             "date": iso(date), "body": f"Release {major}.{minor}.0",
                             "draft": False, "prerelease": False, "id": 0})
    stars = fields.pop("stars", int(rng.paretovariate(1.1)) - 1)
    repo = world.add_repo(
        forge, owner, name, files=files, description=description, topics=topics,
        homepage=fields.pop("homepage", rng.choice([None, None, f"https://{name}.example.org"])),
        language=language, languages=languages, stars=stars,
        forks=fields.pop("forks", stars // 5), open_issues=fields.pop("open_issues", rng.randrange(0, 40)),
        watchers=max(1, stars // 10), size=rng.randrange(50, 50_000),
        mirror=bool(mirror_of), mirror_of=mirror_of, created_at=iso(created_dt),
        updated_at=iso(updated_dt), pushed_at=iso(pushed_dt),
        default_branch=rng.choice(["main", "main", "master", "develop"]),
        releases=release_list, contributors=fields.pop("contributors", max(1, int(rng.paretovariate(1.3)))),
        labels=labels, truth=truth, **fields,
    )
    for release in repo.releases:
        release["id"] = int(fake_sha(forge, repo.id, release["tag"])[:7], 16)
    if api_licence != "auto":
        repo.license = api_licence
    if mirror_of:
        repo.truth["mirror_of"] = mirror_of
    return repo


def _weighted(rng: random.Random, choices: list[tuple[Any, int]]) -> Any:
    total = sum(w for _, w in choices)
    pick = rng.uniform(0, total)
    for value, weight in choices:
        pick -= weight
        if pick <= 0:
            return value
    return choices[-1][0]
