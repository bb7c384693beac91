"""``essforge crawl``: run the forge spiders in-process, then rebuild the registry.

Our exceptions become ``Error: …`` here (as in ``registry/cli.py``); a token never appears in
what this command prints.
"""

from __future__ import annotations

import logging
import sys
import sqlite3
import time
from pathlib import Path

import click

logger = logging.getLogger("essforge.crawl")


def submitted_repositories(folder: Path | None = None) -> list[str]:
    """The repository URLs named by the submissions (valid ones; ``essforge validate`` reports the rest)."""
    from registry.submissions import default_submission_paths, load_submission

    paths = sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml")) if folder else \
        default_submission_paths()
    urls = []
    for path in paths:
        record, problems = load_submission(path)
        if record and not problems and record.get("repository"):
            urls.append(record["repository"])
    return urls


@click.command()
@click.option("--sources", "sources_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The forge instances to crawl (default: the shipped crawler/sources.yml).")
@click.option("--forge", "forge_ids", multiple=True, metavar="ID",
              help="Crawl only this forge instance (an id from the sources file); repeat for several.")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path("essforge.db"),
              show_default=True, help="The registry database rebuilt after the crawl.")
@click.option("--state", "state_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The crawl store (ETags, collected facts, runs); default essforge-crawl.db beside --db.")
@click.option("--submissions", "submissions_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Submissions folder whose repositories are always crawled (default registry/submissions).")
@click.option("--max-projects", type=click.IntRange(0), default=None,
              help="Stop discovering after N repositories per forge (submitted ones are always crawled).")
@click.option("--redis", "redis_url", metavar="URL", default=None,
              help="Share the request queue and duplicate filter with other crawl processes through this "
                   "Redis (e.g. redis://127.0.0.1:6379/0). Never expose that Redis: its queue is pickled.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Requests in flight per forge host.")
@click.option("--page-size", type=click.IntRange(1, 100), default=None,
              help="Items per listing page (default: 100, 50 on Gitea/Forgejo).")
@click.option("--setting", "-s", "settings_pairs", multiple=True, metavar="NAME=VALUE",
              help="Override a Scrapy or ESSFORGE_* setting (see crawler/settings.py); repeatable.")
@click.option("--no-build", is_flag=True, help="Do not rebuild the registry database after the crawl.")
@click.option("--verbose", "-v", is_flag=True, help="Show Scrapy's own log lines too.")
def crawl(sources_path, forge_ids, db_path, state_path, submissions_dir, max_projects, redis_url, concurrency,
          page_size, settings_pairs, no_build, verbose):
    """Crawl the forges listed in the sources file for SSE free software.

    Discovers repositories by topics, keywords and organisations, always crawls the repositories
    named by submissions, honours rate limits, and sends conditional requests so that a recrawl
    of unchanged projects costs only 304 answers. A crawl that was killed resumes where it
    stopped. Tokens are read from the environment variables named by token_env. Then rebuilds
    the registry database (unless --no-build). See docs/crawler.md.
    """
    from registry.build import default_crawl_store
    from registry.errors import EssforgeError

    extra = {}
    for pair in settings_pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--setting")
        extra[name.strip()] = value
    if page_size:
        extra["ESSFORGE_PAGE_SIZE"] = page_size
    try:
        from crawler.sources import load_sources

        sources = load_sources(sources_path)
        forges = sources.select(list(forge_ids))
        state = state_path or default_crawl_store(db_path)
        submitted = submitted_repositories(submissions_dir)
        summary = run_crawl(forges, sources, state, submitted=submitted, max_projects=max_projects,
                            redis_url=redis_url, concurrency=concurrency, verbose=verbose,
                            extra_settings=extra)
    except EssforgeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(format_summary(summary))
    if no_build:
        return
    from registry.cli import _build

    report = _build(db_path, submissions_dir, state)
    click.echo(report.summary())


def run_crawl(forges, sources, state, *, submitted=(), max_projects=None, redis_url=None, concurrency=4,
              verbose=False, extra_settings=None) -> dict:
    """Crawl ``forges`` into the crawl store ``state``; return the run's summary."""
    from scrapy.crawler import AsyncCrawlerProcess

    from crawler.settings import build_settings
    from crawler.spiders import spider_for
    from crawler.store import close_store, open_store

    per_forge: dict[str, list[str]] = {f.id: [] for f in forges}
    for url in submitted:
        found = sources.forge_for_url(url)
        if found and found[0].id in per_forge:
            per_forge[found[0].id].append(url)

    frontier = None
    extra_settings = dict(extra_settings or {})
    if redis_url:
        from crawler.distributed import join

        frontier = join(redis_url)
        extra_settings["ESSFORGE_REDIS_GENERATION"] = frontier.generation
        click.echo(f"Shared crawl g{frontier.generation} ({frontier.joined}) through Redis", err=True)
    settings = build_settings(str(state), redis_url=redis_url, log_level="INFO",
                              CONCURRENT_REQUESTS_PER_DOMAIN=concurrency,
                              AUTOTHROTTLE_TARGET_CONCURRENCY=float(concurrency),
                              **extra_settings)
    try:
        store = open_store(state)
    except sqlite3.Error as error:
        raise click.ClickException(f"{state}: cannot open the crawl store: {error}") from error
    run = store.begin_run([f.id for f in forges], run_key=frontier.run_key if frontier else None)
    if run.resumed:
        click.echo(f"Resuming crawl run {run.id} started at {run.started_at}", err=True)
    started = time.monotonic()
    process = AsyncCrawlerProcess(settings)  # LOG_INSTALL_ROOT_HANDLER defaults to True
    _quiet_logs(verbose)
    for forge in forges:
        process.crawl(spider_for(forge.type), forge=forge, submitted=per_forge[forge.id], max_projects=max_projects)
        click.echo(f"Crawling {forge.id} ({forge.type}, {forge.api_url})", err=True)
    crawlers = list(process.crawlers)
    process.start()
    totals = {"requests": 0, "responses_304": 0, "errors": 0}
    reasons = []
    for crawler in crawlers:
        stats = crawler.stats.get_stats()
        totals["requests"] += stats.get("downloader/request_count", 0)
        totals["responses_304"] += stats.get("downloader/response_status_count/304", 0)
        totals["errors"] += stats.get("essforge/errors/total", 0) + stats.get("spider_exceptions/count", 0) \
            + stats.get("item_dropped_count", 0)
        reasons.append(stats.get("finish_reason"))
    store.add_counters(**totals)
    status = "finished" if all(r == "finished" for r in reasons) else "interrupted"
    if frontier is not None:
        shared = frontier.leave(finished=status == "finished")
        click.echo(f"This process sent {totals['requests']} requests of shared crawl g{frontier.generation} "
                   f"({'finished' if shared == 'finished' else 'other processes still at work'})", err=True)
    row = store.finish_run(status)
    close_store(state)
    row["seconds"] = round(time.monotonic() - started, 1)
    row["stats"] = {k: v for c in crawlers for k, v in c.stats.get_stats().items() if k.startswith("essforge/")}
    return row


def _quiet_logs(verbose: bool) -> None:
    if verbose:
        return
    for name in ("scrapy", "py.warnings", "twisted", "asyncio"):
        logging.getLogger(name).setLevel(logging.WARNING)


def format_summary(row: dict) -> str:
    requests = row.get("requests") or 0
    not_modified = row.get("responses_304") or 0
    share = f" ({100 * not_modified / requests:.0f}%)" if requests else ""
    lines = [
        f"Crawl run {row.get('id')} {row.get('status')} in {row.get('seconds', 0)} s: "
        f"{requests} requests, {not_modified} answered 304{share}",
        f"projects: {row.get('projects_new') or 0} new, {row.get('projects_updated') or 0} updated, "
        f"{row.get('projects_unchanged') or 0} unchanged; errors: {row.get('errors') or 0}",
    ]
    stats = row.get("stats") or {}
    interesting = {k: v for k, v in sorted(stats.items()) if k.split("/")[1] in ("skipped", "ratelimit", "field",
                                                                                   "errors", "relevance")}
    if interesting:
        lines.append("stats: " + ", ".join(f"{k[len('essforge/'):]}={v}" for k, v in interesting.items()))
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(crawl())
