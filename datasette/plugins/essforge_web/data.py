"""Reading the registry for the public pages: every query is parameterised, full-text queries go
through ``escape_fts``, and the small tables (sectors, licences) are read once per server (the
database is immutable while it is served)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

from datasette.database import QueryInterrupted
from datasette.utils import escape_fts

from . import DATABASE

PAGE_SIZE = 20
FACET_LIMIT = 30
MAX_QUERY_LENGTH = 200
MAX_PAGE = 10_000
UNKNOWN = "_unknown"  # the facet value of projects with no value (no country, no legal form…)
FACET_TIME_LIMIT_MS = 1000
LISTED = "p.relevance = 'listed'"

RESULT_COLUMNS = (
    "p.id, p.name, p.description, p.description_lang, p.descriptions, p.licence, p.licence_label, "
    "p.licence_family, p.maturity, p.sector_ids, p.organisation_name, p.country, p.first_listed, p.rowid"
)


def database(datasette):
    return datasette.get_database(DATABASE)


def _cache(datasette) -> dict:
    cache = getattr(datasette, "_essforge_web_cache", None)
    if cache is None:
        cache = {}
        datasette._essforge_web_cache = cache
    return cache


async def sectors(datasette) -> list[dict]:
    """Every sector of the taxonomy, in its order."""
    cache = _cache(datasette)
    if "sectors" not in cache:
        results = await database(datasette).execute(
            "select id, label_en, label_fr, description_en, description_fr from sectors order by position, id"
        )
        cache["sectors"] = [dict(row) for row in results.rows]
    return cache["sectors"]


async def sectors_by_id(datasette) -> dict[str, dict]:
    return {sector["id"]: sector for sector in await sectors(datasette)}


async def licences_by_id(datasette) -> dict[str, dict]:
    cache = _cache(datasette)
    if "licences" not in cache:
        results = await database(datasette).execute("select * from licences order by id")
        cache["licences"] = {row["id"]: dict(row) for row in results.rows}
    return cache["licences"]


def localised(row: dict, name: str, lang: str) -> str:
    """``row[name_<lang>]``, else the other language's text."""
    return row.get(f"{name}_{lang}") or row.get(f"{name}_en") or row.get(f"{name}_fr") or ""


def json_list(value) -> list:
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return []
    return [item for item in parsed if isinstance(item, (str, int, float))] if isinstance(parsed, list) else []


def json_object(value) -> dict:
    try:
        parsed = json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}
    return {str(k): str(v) for k, v in parsed.items() if v} if isinstance(parsed, dict) else {}


def description_for(row: dict, lang: str) -> tuple[str | None, str | None]:
    """The project's description in ``lang`` when it has one, else the best it has, with its
    language code (``None`` when it is not known)."""
    descriptions = json_object(row.get("descriptions"))
    if descriptions.get(lang):
        return descriptions[lang], lang
    for other in ("en", "fr"):
        if descriptions.get(other):
            return descriptions[other], other
    for code, text in sorted(descriptions.items()):
        if text:
            return text, (None if code == "und" else code)
    text = row.get("description")
    code = row.get("description_lang")
    return (text or None), (None if not code or code == "und" else code)


# --------------------------------------------------------------------------------------------
# Search and facets


@dataclass(frozen=True)
class Facet:
    name: str  # the URL parameter
    kind: str  # "column", "join" (a join table) or "json" (a JSON array column)
    column: str
    table: str | None = None
    default: str | None = None  # the value a NULL stands for


FACETS = (
    Facet("sector", "join", "sector_id", table="project_sectors"),
    Facet("maturity", "column", "maturity"),
    Facet("family", "column", "licence_family", default="none"),
    Facet("licence", "join", "licence_id", table="project_licences"),
    Facet("language", "json", "languages"),
    Facet("country", "column", "country"),
    Facet("legal_form", "column", "legal_form"),
    Facet("forge", "column", "forge"),
)
FACETS_BY_NAME = {facet.name: facet for facet in FACETS}


def _column_expression(facet: Facet) -> str:
    if facet.default:
        return f"coalesce(p.[{facet.column}], '{facet.default}')"
    return f"p.[{facet.column}]"


def _facet_clause(facet: Facet, param: str, value: str) -> str:
    if facet.kind == "column":
        if value == UNKNOWN:
            return f"{_column_expression(facet)} is null"
        return f"{_column_expression(facet)} = :{param}"
    if facet.kind == "join":
        return f"p.id in (select project_id from [{facet.table}] where [{facet.column}] = :{param})"
    return f"exists (select 1 from json_each(case when json_valid(p.[{facet.column}]) then p.[{facet.column}] else '[]' end) where value = :{param})"


def fts_query(q: str) -> str:
    """The FTS5 query for what a person typed: ``escape_fts`` quotes every word, so no operator
    or syntax error can come from the input, and a ``*`` after each quoted word makes it a
    prefix ("cooperat" finds "cooperative"). Words with no letter or digit are dropped; an empty
    result means there is nothing to search for."""
    terms = re.findall(r'"[^"]*"', escape_fts(q))
    return " ".join(f"{term}*" for term in terms if re.search(r"\w", term))


@dataclass
class Search:
    q: str = ""
    selected: dict[str, str] = field(default_factory=dict)
    page: int = 1

    @classmethod
    def from_args(cls, args, *, fixed: dict[str, str] | None = None) -> Search:
        q = " ".join((args.get("q") or "").split())[:MAX_QUERY_LENGTH]
        selected = {}
        for facet in FACETS:
            value = (args.get(facet.name) or "").strip()[:MAX_QUERY_LENGTH]
            if value:
                selected[facet.name] = value
        selected.update(fixed or {})
        try:
            page = int(args.get("page") or 1)
        except ValueError:
            page = 1
        return cls(q=q, selected=selected, page=min(max(page, 1), MAX_PAGE))

    def params(self, **changes) -> list[tuple[str, str]]:
        """The query-string pairs of this search with ``changes`` (``None`` removes a key)."""
        values: dict[str, object] = {"q": self.q, **self.selected}
        if self.page > 1:
            values["page"] = self.page
        values.update(changes)
        order = ["q"] + [facet.name for facet in FACETS] + ["page"]
        return [(key, str(values[key])) for key in order if values.get(key) not in (None, "")]

    def _where(self, skip: str | None = None) -> tuple[str, str, list[str], dict]:
        """(common table expression, from clause, where clauses, parameters)."""
        params: dict[str, object] = {}
        cte, from_ = "", "projects p"
        if self.q:
            # A query with no word in it ("***") matches nothing rather than everything.
            params["fts"] = fts_query(self.q) or '""'
            cte = "with m as (select rowid as rid, rank from projects_fts where projects_fts match :fts) "
            from_ = "projects p join m on m.rid = p.rowid"
        clauses = [LISTED]
        for number, facet in enumerate(FACETS):
            value = self.selected.get(facet.name)
            if value and facet.name != skip:
                param = f"f{number}"
                clauses.append(_facet_clause(facet, param, value))
                params[param] = value
        return cte, from_, clauses, params


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass
class FacetResult:
    facet: Facet
    values: list[FacetValue]
    truncated: bool = False
    timed_out: bool = False


@dataclass
class SearchResults:
    search: Search
    total: int
    rows: list[dict]
    facets: list[FacetResult]
    pages: int
    error: bool = False  # the full-text query could not be run


async def run_search(datasette, search: Search, *, with_facets: bool = True, page_size: int = PAGE_SIZE) -> SearchResults:
    db = database(datasette)
    cte, from_, clauses, params = search._where()
    where = " and ".join(clauses)
    try:
        count = (await db.execute(f"{cte}select count(*) from {from_} where {where}", params)).first()[0]
    except QueryInterrupted:
        raise
    except Exception:  # a full-text query sqlite cannot parse: no results, and say so
        if not search.q:
            raise
        return SearchResults(search, 0, [], [], 0, error=True)
    pages = max(1, math.ceil(count / page_size))
    offset = (search.page - 1) * page_size
    order = "m.rank, p.name collate nocase, p.id" if search.q else "p.name collate nocase, p.id"
    rows = []
    if offset < count:
        results = await db.execute(
            f"{cte}select {RESULT_COLUMNS} from {from_} where {where} order by {order} limit :limit offset :offset",
            {**params, "limit": page_size, "offset": offset},
        )
        rows = [dict(row) for row in results.rows]
    facets = []
    if with_facets:
        for facet in FACETS:
            facets.append(await _facet(db, search, facet))
    return SearchResults(search, count, rows, facets, pages)


async def _facet(db, search: Search, facet: Facet) -> FacetResult:
    cte, from_, clauses, params = search._where()
    where = " and ".join(clauses)
    if facet.kind == "column":
        sql = f"{cte}select {_column_expression(facet)} as value, count(*) as n from {from_} where {where} group by value"
    elif facet.kind == "join":
        sql = f"{cte}select t.[{facet.column}] as value, count(*) as n from {from_} join [{facet.table}] t on t.project_id = p.id where {where} group by value"
    else:
        sql = (
            f"{cte}select j.value as value, count(*) as n from {from_} "
            f"join json_each(case when json_valid(p.[{facet.column}]) then p.[{facet.column}] else '[]' end) j "
            f"where {where} group by value"
        )
    sql += " order by n desc, value is null, value limit :facet_limit"
    try:
        results = await db.execute(sql, {**params, "facet_limit": FACET_LIMIT + 1}, custom_time_limit=FACET_TIME_LIMIT_MS)
    except QueryInterrupted:
        return FacetResult(facet, [], timed_out=True)
    chosen = search.selected.get(facet.name)
    values = []
    for row in results.rows[:FACET_LIMIT]:
        value = UNKNOWN if row["value"] is None else str(row["value"])
        values.append(FacetValue(value, row["n"], value == chosen))
    return FacetResult(facet, values, truncated=len(results.rows) > FACET_LIMIT)


# --------------------------------------------------------------------------------------------
# Pages


async def sector_counts(datasette) -> dict[str, int]:
    cache = _cache(datasette)
    if "sector_counts" not in cache:
        results = await database(datasette).execute(
            f"select ps.sector_id, count(*) as n from project_sectors ps join projects p on p.id = ps.project_id "
            f"where {LISTED} group by ps.sector_id"
        )
        cache["sector_counts"] = {row["sector_id"]: row["n"] for row in results.rows}
    return cache["sector_counts"]


async def recent_projects(datasette, limit: int = 8) -> list[dict]:
    results = await database(datasette).execute(
        f"select {RESULT_COLUMNS} from projects p where {LISTED} and p.first_listed is not null "
        "order by p.first_listed desc, p.name collate nocase limit :limit",
        {"limit": limit},
    )
    return [dict(row) for row in results.rows]


async def project(datasette, project_id: str) -> dict | None:
    """Everything the project page shows, or ``None`` when no listed project has this id."""
    db = database(datasette)
    row = (await db.execute(f"select * from projects p where p.id = :id and {LISTED}", {"id": project_id})).first()
    if row is None:
        return None
    item = dict(row)
    params = {"id": project_id}

    async def rows(sql: str) -> list[dict]:
        return [dict(r) for r in (await db.execute(sql, params)).rows]

    inferred = {r["sector_id"]: r["inferred"] for r in await rows("select sector_id, inferred from project_sectors where project_id = :id")}
    sector_ids = json_list(item.get("sector_ids")) or list(inferred)
    item["sectors"] = [(sector_id, bool(inferred.get(sector_id))) for sector_id in sector_ids]
    item["adopters"] = await rows("select name, website, country, source from adopters where project_id = :id order by position")
    item["providers"] = await rows("select name, website, country, source from providers where project_id = :id order by position")
    item["repositories"] = await rows(
        "select url, forge, role from repositories where project_id = :id order by role != 'primary', url"
    )
    item["signals"] = await rows(
        "select s.*, e.explanation_en, e.explanation_fr from maturity_signals s"
        " left join maturity_explanations e on e.signal = s.signal and e.value = s.value"
        " where s.project_id = :id order by s.position"
    )
    # provenance holds one row per source with the JSON list of its fields: one line per field here.
    item["provenance"] = sorted(
        (
            {"field": name, "source": r["source"], "source_url": r["source_url"], "recorded_at": r["recorded_at"]}
            for r in await rows("select source, source_url, fields, recorded_at from provenance where project_id = :id")
            for name in json_list(r["fields"])
        ),
        key=lambda f: f["field"],
    )
    item["conflicts"] = await rows("select kept, kept_source, other, other_source from licence_conflicts where project_id = :id")
    licences = await licences_by_id(datasette)
    item["licences"] = [licences[i] for i in json_list(item.get("spdx_ids")) if i in licences]
    item["organisation"] = None
    if item.get("organisation_id"):
        org = (await db.execute("select * from organisations where id = :id", {"id": item["organisation_id"]})).first()
        item["organisation"] = dict(org) if org else None
    for name in ("languages", "audiences", "tags", "topics", "spdx_ids"):
        item[name] = json_list(item.get(name))
    item["descriptions_map"] = json_object(item.get("descriptions"))
    return item


async def about_facts(datasette) -> dict:
    db = database(datasette)
    projects = (await db.execute(f"select count(*) from projects p where {LISTED}")).first()[0]
    forges = [dict(r) for r in (await db.execute(
        f"select p.forge, count(*) as n from projects p where {LISTED} and p.forge is not null group by p.forge order by n desc, p.forge"
    )).rows]
    runs = (await db.execute(
        "select count(*) as runs, max(coalesce(finished_at, started_at)) as last from crawl_runs"
    )).first()
    build = {r["key"]: r["value"] for r in (await db.execute("select key, value from build_info")).rows}
    return {
        "projects": projects,
        "forges": forges,
        "crawl_runs": runs["runs"] if runs else 0,
        "last_crawl": runs["last"] if runs else None,
        "as_of": build.get("as_of"),
    }


async def sitemap_entries(datasette) -> tuple[list[str], list[str]]:
    db = database(datasette)
    projects = [r[0] for r in (await db.execute(f"select p.id from projects p where {LISTED} order by p.id")).rows]
    used = [r[0] for r in (await db.execute(
        f"select distinct ps.sector_id from project_sectors ps join projects p on p.id = ps.project_id where {LISTED}"
    )).rows]
    order = [s["id"] for s in await sectors(datasette)]
    return projects, [s for s in order if s in set(used)]


async def newest_projects(datasette, limit: int = 50) -> list[dict]:
    results = await database(datasette).execute(
        f"select p.id, p.name, p.description, p.description_lang, p.descriptions, p.first_listed, p.last_checked, "
        f"p.sector_ids, p.organisation_name from projects p where {LISTED} and p.first_listed is not null "
        "order by p.first_listed desc, p.id limit :limit",
        {"limit": limit},
    )
    return [dict(row) for row in results.rows]
