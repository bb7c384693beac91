"""``essforge publish``: a folder that serves the registry anywhere, without essforge installed.

The bundle holds the database (as ``essforge.db``, so Datasette publishes it as ``/essforge``),
``metadata.yml``, the templates, plugins, static files and message catalogs, a pinned
``requirements.txt``, a ``Dockerfile`` whose command is plain ``datasette serve`` and a
``README.txt``. See docs/publishing.md.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import shutil
import sqlite3
from pathlib import Path

import click

from registry import paths
from registry.errors import EssforgeError
from registry.site import DATABASE_NAME, SETTINGS, table_counts

DATABASE_FILE = f"{DATABASE_NAME}.db"
INSPECT_FILE = "inspect-data.json"
PORT = 8001
# What the site imports at run time (the plugins use Babel and PyYAML). Their dependencies are
# pinned too, so that an image built next year runs the same code as the one tested today.
RUNTIME_PACKAGES = ("datasette", "babel", "pyyaml")
# Already in python:3.11-slim; Datasette lists them but the site never imports them.
NOT_PINNED = {"pip", "setuptools", "wheel"}
SITE_FOLDERS = ("templates", "plugins", "static", "locales")
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo")


class PublishError(EssforgeError):
    """The bundle cannot be written (folder not empty, database unreadable...)."""


def setting_value(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def serve_command(host: str = "0.0.0.0", port: int = PORT) -> list[str]:
    """The ``datasette serve`` command line of the bundle, run from the bundle's folder."""
    command = [
        "datasette", "serve",
        "--immutable", DATABASE_FILE,
        "--inspect-file", INSPECT_FILE,
        "--metadata", "metadata.yml",
        "--template-dir", "templates",
        "--plugins-dir", "plugins",
        "--static", "static:static",
    ]
    for name, value in SETTINGS.items():
        command += ["--setting", name, setting_value(value)]
    return command + ["--host", host, "--port", str(port)]


def runtime_requirements(packages=RUNTIME_PACKAGES) -> list[str]:
    """``name==version`` for ``packages`` and everything they need, read from this environment.

    Markers are evaluated here (Python 3.11 on Linux, like the image); extras are not followed.
    """
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pins: dict[str, str] = {}
    todo = list(packages)
    while todo:
        name = canonicalize_name(todo.pop())
        if name in pins or name in NOT_PINNED:
            continue
        try:
            distribution = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError as error:
            raise PublishError(f"{name} is not installed here; install it (pip install {name}) and publish again") from error
        pins[name] = distribution.version
        for text in distribution.requires or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(requirement.name)
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def inspect_data(db_path: Path) -> dict:
    """What ``datasette inspect essforge.db`` writes: table counts computed once, not per start."""
    digest = hashlib.sha256()
    with open(db_path, "rb") as fp:
        for block in iter(lambda: fp.read(1 << 20), b""):
            digest.update(block)
    data = table_counts(db_path)  # the counts `essforge serve` computes at startup
    data[DATABASE_NAME].update(hash=digest.hexdigest(), file=DATABASE_FILE)
    return data


def dockerfile() -> str:
    return f"""\
# The essforge registry, served read-only by Datasette. Written by `essforge publish`.
# Build and run:  docker build -t essforge-site . && docker run -p {PORT}:{PORT} essforge-site
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONUNBUFFERED=1
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Recount the tables, in case essforge.db was replaced after the bundle was written.
RUN datasette inspect {DATABASE_FILE} --inspect-file {INSPECT_FILE}
EXPOSE {PORT}
CMD {json.dumps(serve_command())}
"""


def readme(db_path: Path, project_count: int | None) -> str:
    command = " ".join(serve_command(host="127.0.0.1"))
    counted = f" ({project_count} projects)" if project_count is not None else ""
    return f"""\
essforge: a bundle that serves the registry with Datasette
===========================================================

Written by `essforge publish` from {db_path.name}{counted}. Nothing here needs essforge itself.

  {DATABASE_FILE}       the registry (SQLite), served read-only as /essforge
  {INSPECT_FILE}   its table counts (`datasette inspect`), so pages never count rows
  metadata.yml      titles, licence, canned queries and facets of Datasette's pages
  templates/        the public pages (/fr/, /en/) and our versions of Datasette's templates
  plugins/          the routes, translations and labels (Python, loaded by Datasette)
  static/           the stylesheets, served at /static/
  locales/          the French and English message catalogs, read when the server starts
  requirements.txt  the exact versions the bundle was tested with
  Dockerfile        python:3.11-slim, the requirements and the command below

Run it with Docker:

  docker build -t essforge-site .
  docker run -p {PORT}:{PORT} essforge-site      # then open http://localhost:{PORT}/

Or with Python 3.11, from this folder:

  python3 -m venv .venv && .venv/bin/pip install -r requirements.txt
  .venv/bin/{command}

To publish a newer registry, replace {DATABASE_FILE} and run
`datasette inspect {DATABASE_FILE} --inspect-file {INSPECT_FILE}` (the Docker build does it),
or write the whole bundle again with `essforge publish --dir <folder> --force`.

Put a cache in front of it if you like: every page's language is in its URL (/fr/, /en/),
so a cache can never serve a page in the wrong language.
"""


def _copy_database(source: Path, target: Path) -> int | None:
    """Copy with SQLite's backup API: a consistent copy, and a clear error on a non-database."""
    try:
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in src.execute("select name from sqlite_master where type='table'")}
            if "projects" not in tables:
                raise PublishError(f"{source}: not a registry database (no projects table); build one with `essforge build --db {source}`")
            count = src.execute("select count(*) from projects").fetchone()[0]
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
                dst.execute("pragma journal_mode=delete")
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.DatabaseError as error:
        raise PublishError(f"{source}: not a registry database: {error}") from error
    return count


def write_bundle(out_dir: Path | str, db_path: Path | str, *, force: bool = False) -> list[Path]:
    """Write the deployable bundle for ``db_path`` into ``out_dir``.

    :param out_dir: the bundle's folder; created if missing, must be empty unless ``force``
    :param db_path: a database built by ``essforge build``
    :param force: write into a non-empty folder, replacing the bundle's own files and folders
        (other files are left alone)
    :returns: the paths written at the top of the bundle
    :raises PublishError: when the folder is not empty, or the database is not a registry
    """
    out = Path(out_dir)
    db_path = Path(db_path)
    if out.exists() and not out.is_dir():
        raise PublishError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise PublishError(f"{out}: folder is not empty; choose an empty or new folder, or add --force to replace the bundle in it")
    if not db_path.is_file():
        raise PublishError(f"{db_path}: no such database; run `essforge build --db {db_path}` first")
    requirements = runtime_requirements()
    out.mkdir(parents=True, exist_ok=True)
    if out.resolve() == db_path.resolve().parent and db_path.name == DATABASE_FILE:
        raise PublishError(f"{out}: holds the source database {db_path.name}; publish into another folder")
    written = []

    database = out / DATABASE_FILE
    database.unlink(missing_ok=True)
    project_count = _copy_database(db_path, database)
    written.append(database)
    (out / INSPECT_FILE).write_text(json.dumps(inspect_data(database), indent=2) + "\n", encoding="utf-8")
    written.append(out / INSPECT_FILE)

    # The metadata is read as YAML text: metadata.yml in a checkout is reached through a symlink.
    (out / "metadata.yml").write_text(paths.metadata_path().read_text(encoding="utf-8"), encoding="utf-8")
    written.append(out / "metadata.yml")
    sources = {"templates": paths.templates_dir(), "plugins": paths.plugins_dir(), "static": paths.static_dir(), "locales": paths.site_dir() / "locales"}
    for name in SITE_FOLDERS:
        target = out / name
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
        shutil.copytree(sources[name], target, ignore=IGNORED)
        written.append(target)

    files = {
        "requirements.txt": "# Pinned by `essforge publish` from the environment it ran in.\n" + "\n".join(requirements) + "\n",
        "Dockerfile": dockerfile(),
        "README.txt": readme(db_path, project_count),
        ".dockerignore": ".venv\n__pycache__\n*.pyc\n",
    }
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
        written.append(out / name)
    return written


@click.command()
@click.option(
    "--dir",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="The folder to write the bundle into (created if missing; must be empty unless --force).",
)
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("essforge.db"),
    show_default=True,
    help="The registry database to publish; built first from the submissions when missing.",
)
@click.option("--force", is_flag=True, help="Write into a non-empty folder, replacing the bundle's files in it.")
def publish(out_dir, db_path, force):
    """Write a deployable bundle: the database, metadata, templates, plugins, static files,
    pinned requirements and a Dockerfile that runs `datasette serve`.

    The bundle runs without essforge installed: `docker build` it, or install its
    requirements.txt and run the command in its README.txt. See docs/publishing.md.
    """
    try:
        if out_dir.is_dir() and any(out_dir.iterdir()) and not force:  # fail before a long build
            raise PublishError(f"{out_dir}: folder is not empty; choose an empty or new folder, or add --force to replace the bundle in it")
        if not db_path.exists():
            from registry.build import build

            click.echo(f"{db_path} not found: building it from the submissions first.", err=True)
            db_path.parent.mkdir(parents=True, exist_ok=True)
            click.echo(build(db_path).summary(), err=True)
        write_bundle(out_dir, db_path, force=force)
    except EssforgeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Wrote the bundle to {out_dir}. Run it with: cd {out_dir} && docker build -t essforge-site . && docker run -p {PORT}:{PORT} essforge-site")
