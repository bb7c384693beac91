"""The published database: its tables, indexes and full-text index.

The database is rebuilt from scratch by ``registry/build.py`` on every build, into a new file that
then replaces the old one, so the schema is created, not migrated. The column lists below are the
public API that analysts query: rename nothing without a changelog entry.
"""

from __future__ import annotations

import time

import sqlite_utils

# Column name -> SQLite type. Order matters: it is the column order analysts see.
PROJECT_COLUMNS: dict[str, type] = {
    "id": str,
    "name": str,
    "description": str,
    "description_en": str,
    "description_fr": str,
    "description_lang": str,
    "descriptions": str,
    "repository_url": str,
    "forge": str,
    "website": str,
    "contact": str,
    "licence": str,
    "licence_label": str,
    "licence_family": str,
    "licence_is_free": int,
    "spdx_ids": str,
    "status": str,
    "maturity": str,
    "maturity_score": int,
    "sector_ids": str,
    "main_sector": str,
    "organisation_id": str,
    "organisation_name": str,
    "legal_form": str,
    "country": str,
    "languages": str,
    "audiences": str,
    "tags": str,
    "topics": str,
    "keywords": str,
    "adopters_count": int,
    "providers_count": int,
    "stars": int,
    "forks": int,
    "open_issues": int,
    "contributors": int,
    "releases_count": int,
    "latest_release": str,
    "latest_release_date": str,
    "created_at": str,
    "last_activity": str,
    "archived": int,
    "has_readme": int,
    "has_ci": int,
    "has_tests": int,
    "relevance": str,
    "origin": str,
    "submission_path": str,
    "first_listed": str,
    "last_checked": str,
}

# Columns that are JSON arrays: Datasette facets them with ``_facet_array``.
JSON_ARRAY_COLUMNS = ("spdx_ids", "sector_ids", "languages", "audiences", "tags", "topics")

# Facet and filter columns get an index each.
PROJECT_INDEXES = (
    "licence",
    "licence_family",
    "maturity",
    "status",
    "main_sector",
    "country",
    "legal_form",
    "forge",
    "organisation_id",
    "last_activity",
    "first_listed",
    "name",
)

FTS_COLUMNS = (
    "name",
    "description_en",
    "description_fr",
    "description",
    "organisation_name",
    "keywords",
)
# unicode61 with remove_diacritics 2 folds case and accents: "economie" finds "économie".
FTS_TOKENIZE = "unicode61 remove_diacritics 2"

TABLES: dict[str, dict] = {
    "sectors": {
        "columns": {
            "id": str,
            "label_en": str,
            "label_fr": str,
            "description_en": str,
            "description_fr": str,
            "keywords": str,
            "position": int,
        },
        "pk": "id",
    },
    "project_sectors": {
        "columns": {
            "project_id": str,
            "sector_id": str,
            "inferred": int,
            "score": float,
            "source": str,
        },
        "pk": ("project_id", "sector_id"),
        "foreign_keys": [("project_id", "projects", "id"), ("sector_id", "sectors", "id")],
        "without_rowid": True,
    },
    "licences": {
        "columns": {
            "id": str,
            "name": str,
            "family": str,
            "osi_approved": int,
            "fsf_libre": int,
            "is_free": int,
            "url": str,
            "summary_en": str,
            "summary_fr": str,
        },
        "pk": "id",
    },
    "project_licences": {
        "columns": {"project_id": str, "licence_id": str},
        "pk": ("project_id", "licence_id"),
        "foreign_keys": [("project_id", "projects", "id"), ("licence_id", "licences", "id")],
        "without_rowid": True,
    },
    "organisations": {
        "columns": {
            "id": str,
            "name": str,
            "legal_form": str,
            "country": str,
            "website": str,
        },
        "pk": "id",
    },
    "adopters": {
        "columns": {
            "project_id": str,
            "position": int,
            "name": str,
            "website": str,
            "country": str,
            "source": str,
        },
        "pk": ("project_id", "position"),
        "foreign_keys": [("project_id", "projects", "id")],
        "without_rowid": True,
    },
    "providers": {
        "columns": {
            "project_id": str,
            "position": int,
            "name": str,
            "website": str,
            "country": str,
            "source": str,
        },
        "pk": ("project_id", "position"),
        "foreign_keys": [("project_id", "projects", "id")],
        "without_rowid": True,
    },
    "repositories": {
        "columns": {"url": str, "project_id": str, "forge": str, "role": str},
        "pk": "url",
        "foreign_keys": [("project_id", "projects", "id")],
        "without_rowid": True,
    },
    # The explanation of a signal depends only on its name and value (and the build date), so
    # it is written once per (signal, value) in maturity_explanations, not on each of the ~5
    # signal rows of every project: at 100,000 projects the sentences made this table 105 MB.
    "maturity_signals": {
        "columns": {
            "project_id": str,
            "position": int,
            "signal": str,
            "value": str,
            "points": float,
            "max_points": float,
            "source": str,
        },
        "pk": ("project_id", "signal"),
        "foreign_keys": [("project_id", "projects", "id")],
        "without_rowid": True,
    },
    "maturity_explanations": {
        "columns": {
            "signal": str,
            "value": str,
            "explanation_en": str,
            "explanation_fr": str,
        },
        "pk": ("signal", "value"),
        "without_rowid": True,
    },
    # One row per source of a project's facts, with the fields it gave as a JSON array: a project
    # has one to four sources but a dozen fields, and a row per field made this the largest table.
    "provenance": {
        "columns": {
            "project_id": str,
            "source": str,
            "source_url": str,
            "fields": str,
            "recorded_at": str,
        },
        "pk": ("project_id", "source", "source_url"),
        "foreign_keys": [("project_id", "projects", "id")],
    },
    "licence_conflicts": {
        "columns": {
            "project_id": str,
            "kept": str,
            "kept_source": str,
            "other": str,
            "other_source": str,
        },
        "pk": ("project_id", "other_source"),
        "foreign_keys": [("project_id", "projects", "id")],
    },
    "history": {
        "columns": {
            "project_id": str,
            "date": str,
            "stars": int,
            "forks": int,
            "open_issues": int,
            "contributors": int,
            "releases_count": int,
            "last_activity": str,
        },
        "pk": ("project_id", "date"),
        "foreign_keys": [("project_id", "projects", "id")],
    },
    "crawl_runs": {
        "columns": {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "forges": str,
            "requests": int,
            "responses_304": int,
            "projects_new": int,
            "projects_updated": int,
            "projects_unchanged": int,
            "errors": int,
            "status": str,
        },
        "pk": "id",
    },
    "candidates": {
        "columns": {
            "id": str,
            "name": str,
            "repository_url": str,
            "forge": str,
            "description": str,
            "licence": str,
            "inferred_sector_ids": str,
            "relevance_score": float,
            "stars": int,
            "last_activity": str,
            "first_seen": str,
        },
        "pk": "id",
    },
    "build_info": {
        "columns": {"key": str, "value": str},
        "pk": "key",
    },
}

SECONDARY_INDEXES = {
    "project_sectors": [("sector_id",)],
    "project_licences": [("licence_id",)],
    "adopters": [("country",)],
    "providers": [("country",)],
    "repositories": [("project_id",)],
    "history": [("date",)],
}


def create_schema(db: sqlite_utils.Database) -> None:
    """Create every table of the published database (the database must be empty).

    :param db: an empty database
    """
    # Tables that projects point to come first, so the foreign keys can be declared.
    for name in ("sectors", "licences", "organisations"):
        _create(db, name)
    db["projects"].create(
        PROJECT_COLUMNS,
        pk="id",
        foreign_keys=[("organisation_id", "organisations", "id")],
        not_null=["name", "repository_url"],
    )
    for name in TABLES:
        if name not in ("sectors", "licences", "organisations"):
            _create(db, name)


def _create(db: sqlite_utils.Database, name: str) -> None:
    spec = TABLES[name]
    if not spec.get("without_rowid"):
        db[name].create(spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys"))
        return
    # A join table keyed by (project, ...) is one B-tree WITHOUT ROWID, where a rowid table is two
    # (the rows and the primary-key index); its rows are written in key order, so they append.
    # https://www.sqlite.org/withoutrowid.html. sqlite-utils 4 has no option for it.
    sql = db.create_table_sql(name, spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys"))
    db.execute(sql.rstrip().rstrip(";") + " WITHOUT ROWID")


def create_indexes(db: sqlite_utils.Database) -> dict[str, float]:
    """Index the facet columns and build the accent- and case-insensitive full-text index.

    Run after the rows are written: building an index once is faster than maintaining it.

    :param db: the filled database
    :return: seconds spent on the ``indexes``, the ``full_text`` index and the ``statistics``
    """
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    for column in PROJECT_INDEXES:
        db["projects"].create_index([column], if_not_exists=True)
    for table, indexes in SECONDARY_INDEXES.items():
        for columns in indexes:
            db[table].create_index(list(columns), if_not_exists=True)
    seconds["indexes"], started = time.perf_counter() - started, time.perf_counter()
    db["projects"].enable_fts(list(FTS_COLUMNS), tokenize=FTS_TOKENIZE, create_triggers=False)
    db.execute("insert into projects_fts(projects_fts) values ('optimize')")
    seconds["full_text"], started = time.perf_counter() - started, time.perf_counter()
    # Statistics for the query planner from a bounded sample of each index, as `pragma optimize`
    # does (https://www.sqlite.org/lang_analyze.html#approx): a full analyze read every index.
    db.execute("pragma analysis_limit = 1000")
    db.execute("analyze")
    seconds["statistics"] = time.perf_counter() - started
    return seconds
