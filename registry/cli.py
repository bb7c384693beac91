"""The ``essforge`` command. The only place where our exceptions become ``Error: …`` lines."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from registry import __version__
from registry.errors import EssforgeError

DB_OPTION_HELP = "The registry database file (published as /essforge whatever its name)."


def db_option(function):
    return click.option(
        "--db",
        "db_path",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("essforge.db"),
        show_default=True,
        help=DB_OPTION_HELP,
    )(function)


def serve_options(function):
    function = click.option("--port", "-p", type=click.IntRange(0, 65535), default=8001, show_default=True, help="Port to listen on.")(function)
    function = click.option("--host", "-h", default="127.0.0.1", show_default=True, help="Address to listen on.")(function)
    return function


@click.group(context_settings={"help_option_names": ["--help"]})
@click.version_option(__version__, prog_name="essforge")
def cli():
    """essforge: the open index of free software made for and by the social and solidarity economy.

    Validate project submissions, build the SQLite registry, crawl forges and serve the site.
    """


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(paths):
    """Check submission files (ours or publiccode.yml) and explain every problem.

    With no PATH, checks every file in registry/submissions/. Each problem is printed as
    path:line:column: field: message. Exits with status 1 when anything is invalid.
    """
    from registry.submissions import default_submission_paths, expand_paths, format_report, validate_paths

    files = list(paths) or default_submission_paths()
    errors = validate_paths(files)
    report = format_report(errors, len(expand_paths(files)))  # a folder counts as its files
    if errors:
        click.echo(report, err=False)
        sys.exit(1)
    click.echo(report)


@cli.command()
@click.option("--name", help="The project's name.")
@click.option("--repository", help="The repository's http(s) URL.")
@click.option("--sector", "sectors", multiple=True, help="A sector id (repeat for several).")
@click.option("--licence", help="An SPDX licence expression, e.g. AGPL-3.0-or-later.")
@click.option("--website", help="The project's website.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the file (default registry/submissions/<slug>.yml).",
)
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new(name, repository, sectors, licence, website, output, force):
    """Write a commented template for a new submission.

    Asks questions when run in a terminal; otherwise takes the flags. The file validates as written.
    """
    from registry.template import ask_questions, write_template

    answers = {"name": name, "repository": repository, "sectors": list(sectors), "licence": licence, "website": website}
    if sys.stdin.isatty() and not (name and repository and sectors):
        answers = ask_questions(click.prompt, answers)
    missing = [flag for flag, key in (("--name", "name"), ("--repository", "repository"), ("--sector", "sectors")) if not answers.get(key)]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)} (or run the command in a terminal to be asked)")
    try:
        path = write_template(output, answers, force=force)
    except EssforgeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Wrote {path}. Check it with: essforge validate {path}")


@cli.command()
@db_option
@click.option(
    "--submissions",
    "submissions_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Folder of submission files (default: registry/submissions).",
)
@click.option(
    "--crawl-store",
    "crawl_stores",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The crawler's store (default: essforge-crawl.db beside --db, when it exists). "
         "Repeat to merge the stores of several machines.",
)
def build(db_path, submissions_dir, crawl_stores):
    """Build the registry database from the submissions and the crawl's results.

    Writes a new file and swaps it in only when everything worked: a failed build leaves the
    previous database untouched. Building twice gives the same content. Several --crawl-store
    files (one per machine of a --redis crawl) are merged: for each repository the most recently
    seen row wins (see docs/crawler.md).
    """
    for path in crawl_stores:
        if not path.is_file():
            raise click.ClickException(f"--crawl-store {path}: no such file")
    report = _build(db_path, submissions_dir, list(crawl_stores) or None)
    click.echo(report.summary())


def _build(db_path, submissions_dir=None, crawl_store=None):
    from registry.build import build as run_build

    try:
        return run_build(db_path, submissions_dir=submissions_dir, crawl_store=crawl_store)
    except EssforgeError as error:
        raise click.ClickException(str(error)) from error


@cli.command()
@db_option
@serve_options
def serve(db_path, host, port):
    """Serve the registry with Datasette (read-only) on http://HOST:PORT/."""
    _serve(db_path, host, port)


def _serve(db_path, host, port):
    from registry.site import make_datasette

    try:
        make_datasette(db_path)  # fail early, with a clear message, on a missing database
    except EssforgeError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Serving {db_path} at http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    from registry.site import serve as run_serve

    run_serve(db_path, host=host, port=port)


@cli.command()
@db_option
@serve_options
def up(db_path, host, port):
    """Build the registry, then serve it: the quickstart's main command."""
    report = _build(db_path)
    click.echo(report.summary(), err=True)
    _serve(db_path, host, port)


def _add_commands() -> None:
    from crawler.cli import crawl
    from registry.publish import publish

    cli.add_command(crawl)
    cli.add_command(publish)


_add_commands()


if __name__ == "__main__":  # python -m registry.cli
    cli()
