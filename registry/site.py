"""``essforge serve``: Datasette on the registry, with our metadata, templates, plugins and static files.

The database is always published under the name ``essforge`` (stable URLs: ``/essforge/projects``),
whatever the file is called, and opened immutable: no locking, counts computed once at startup.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import yaml

from registry import paths
from registry.errors import BuildError

DATABASE_NAME = "essforge"

# Datasette settings for a public, read-only registry. Facet suggestions are off: at 100,000
# projects they alone make a table page many times slower than its SQL (bench/bench_datasette.py).
SETTINGS = {
    "default_page_size": 50,
    "suggest_facets": False,
    "facet_time_limit_ms": 1000,
    "sql_time_limit_ms": 3000,
    "default_facet_size": 20,
    "max_returned_rows": 1000,
    "allow_download": True,
    "default_cache_ttl": 300,
    "num_sql_threads": 3,
}


def load_metadata() -> dict:
    with open(paths.metadata_path(), encoding="utf-8") as fp:
        return yaml.safe_load(fp)


def table_counts(db_path: Path) -> dict:
    """Datasette's inspect data for an immutable database, so pages never count rows again."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("select name from sqlite_master where type='table'")]
        tables = {name: {"count": conn.execute(f"select count(*) from [{name}]").fetchone()[0]} for name in names}
    finally:
        conn.close()
    return {
        DATABASE_NAME: {
            "hash": None,
            "size": db_path.stat().st_size,
            "file": str(db_path),
            "tables": tables,
        }
    }


def make_datasette(db_path: Path | str, *, settings: dict | None = None, metadata: dict | None = None):
    """A configured ``Datasette`` instance serving ``db_path`` as ``/essforge``.

    Used by ``essforge serve``, by the tests (``datasette.client``) and by the benchmarks.

    :param db_path: a database built by ``essforge build``
    :param settings: Datasette settings overriding ours
    :param metadata: metadata overriding ``metadata.yml``
    """
    from datasette.app import Datasette
    from datasette.database import Database

    db_path = Path(db_path).resolve()
    if not db_path.is_file():
        raise BuildError(f"{db_path}: no such database; run `essforge build --db {db_path}` first")
    try:
        inspect_data = table_counts(db_path)
    except sqlite3.DatabaseError as error:
        raise BuildError(f"{db_path}: not a registry database: {error}") from error
    ds = Datasette(
        immutables=[str(db_path)],
        inspect_data=inspect_data,
        metadata=metadata if metadata is not None else load_metadata(),
        template_dir=str(paths.templates_dir()),
        plugins_dir=str(paths.plugins_dir()),
        static_mounts=[("static", str(paths.static_dir()))],
        settings={**SETTINGS, **(settings or {})},
    )
    # Datasette names a database after its file; we publish it as "essforge" whatever the file.
    for name in list(ds.databases):
        if name not in ("_internal",):
            ds.remove_database(name)
    ds.add_database(Database(ds, path=str(db_path), is_mutable=False), name=DATABASE_NAME)
    return ds


def serve(db_path: Path | str, *, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Run the site until interrupted."""
    import uvicorn

    ds = make_datasette(db_path)
    uvicorn.run(ds.app(), host=host, port=port, lifespan="on", log_level="info")
