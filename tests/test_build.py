"""The build: idempotent, atomic, merging by precedence (submission > publiccode > forge > inference)."""

import json
import os
import sqlite3
import textwrap
from datetime import date
from pathlib import Path

import pytest
import sqlite_utils

from registry.build import CrawlData, build, normalise_url
from registry.errors import BuildError

TODAY = date(2026, 11, 1)


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


@pytest.fixture
def submissions(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    write(
        folder,
        "coop-delivery.yml",
        """
        name: Coop Delivery
        repository: https://github.com/example/coop-delivery.git
        description:
          en: Delivery software for bike couriers' cooperatives.
          fr: Logiciel de livraison pour les coopératives de coursiers à vélo.
        sectors: [platform-cooperative, mobility]
        licence: AGPL-3.0-or-later
        status: stable
        organisation:
          name: Example Coop
          legal_form: cooperative
          country: FR
        adopters:
          - name: Coursiers Lyon
            country: FR
          - name: Bike Riders Berlin
            country: DE
        tags: [delivery, économie sociale]
        """,
    )
    write(
        folder,
        "asso-books.yml",
        """
        name: Asso Books
        repository: https://codeberg.org/example/asso-books
        description:
          fr: Comptabilité simple pour les petites associations.
        sectors: [association-management]
        """,
    )
    return folder


def make_crawl_store(path: Path, repositories: list[dict]) -> Path:
    db = sqlite_utils.Database(path)
    db["repositories"].insert_all(
        [
            {
                "url": r["url"],
                "forge_id": "github",
                "forge_type": "github",
                "full_name": r.get("full_name"),
                "data": json.dumps(r["data"]),
                "content_hash": "x",
                "first_seen": "2026-10-01T10:00:00Z",
                "last_seen": "2026-10-30T10:00:00Z",
                "last_changed": "2026-10-30T10:00:00Z",
                "skipped_reason": r.get("skipped_reason"),
            }
            for r in repositories
        ],
        pk="url",
    )
    db["crawl_runs"].insert(
        {"id": 1, "started_at": "2026-10-30T10:00:00Z", "finished_at": "2026-10-30T10:05:00Z", "status": "finished"},
        pk="id",
    )
    db.conn.close()
    return path


def rows(db_path: Path, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def dump(db_path: Path) -> dict:
    """Every table's rows, to compare two builds."""
    conn = sqlite3.connect(db_path)
    names = [r[0] for r in conn.execute("select name from sqlite_master where type='table' and name not like 'projects_fts%' and name != 'sqlite_stat1' order by name")]
    content = {name: conn.execute(f"select * from [{name}]").fetchall() for name in names}
    content["_schema"] = conn.execute("select sql from sqlite_master order by name").fetchall()
    conn.close()
    return content


def test_build_writes_projects_with_normalised_facts(tmp_path, submissions):
    db = tmp_path / "essforge.db"
    report = build(db, submissions_dir=submissions, today=TODAY)
    assert report.projects == 2 and report.submissions == 2
    project = dict(
        zip(
            ["id", "name", "repository_url", "licence", "licence_family", "sector_ids", "legal_form", "country", "forge"],
            rows(db, "select id, name, repository_url, licence, licence_family, sector_ids, legal_form, country, forge from projects where id = 'coop-delivery'")[0],
        )
    )
    assert project == {
        "id": "coop-delivery",
        "name": "Coop Delivery",
        "repository_url": "https://github.com/example/coop-delivery",
        "licence": "AGPL-3.0-or-later",
        "licence_family": "network-copyleft",
        "sector_ids": '["platform-cooperative", "mobility"]',
        "legal_form": "cooperative",
        "country": "FR",
        "forge": "github.com",
    }
    assert rows(db, "select name, country from adopters where project_id = 'coop-delivery' order by position") == [
        ("Coursiers Lyon", "FR"),
        ("Bike Riders Berlin", "DE"),
    ]
    assert rows(db, "select licence, licence_label, licence_family from projects where id = 'asso-books'") == [
        (None, "No licence found", "none")
    ]
    assert rows(db, "select sector_id, inferred from project_sectors where project_id = 'coop-delivery' order by sector_id") == [
        ("mobility", 0),
        ("platform-cooperative", 0),
    ]
    # Every sector of the taxonomy is in the sectors table, with both labels.
    assert rows(db, "select count(*) from sectors where label_en != '' and label_fr != ''") == [(18,)]
    assert rows(db, "select count(*) from maturity_signals where project_id = 'coop-delivery'")[0][0] > 0
    # Every signal has its explanation in both languages, and the signals keep the model's order.
    assert rows(db, """select count(*) from maturity_signals s left join maturity_explanations e
                       on e.signal = s.signal and e.value = s.value
                       where e.explanation_en is null or e.explanation_fr is null""") == [(0,)]
    signals = rows(db, "select signal from maturity_signals where project_id = 'coop-delivery' order by position")
    assert [s for (s,) in signals][:2] == ["declared_status", "adopters"]


def test_full_text_search_ignores_accents_and_case(tmp_path, submissions):
    db = tmp_path / "essforge.db"
    build(db, submissions_dir=submissions, today=TODAY)
    search = "select projects.id from projects_fts join projects on projects.rowid = projects_fts.rowid where projects_fts match ? order by projects.id"
    assert rows(db, search, ("COMPTABILITE",)) == [("asso-books",)]
    assert rows(db, search, ("cooperatives",)) == [("coop-delivery",)]
    assert rows(db, search, ("economie",)) == [("coop-delivery",)]


def test_build_is_idempotent(tmp_path, submissions):
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    build(first, submissions_dir=submissions, today=TODAY)
    build(second, submissions_dir=submissions, today=TODAY)
    assert dump(first) == dump(second)
    build(first, submissions_dir=submissions, today=TODAY)  # rebuilding in place too
    assert dump(first) == dump(second)


def test_failed_build_leaves_previous_database_untouched(tmp_path, submissions):
    db = tmp_path / "essforge.db"
    build(db, submissions_dir=submissions, today=TODAY)
    before = dump(db)
    write(submissions, "broken.yml", "name: Broken\nrepository: ftp://example.org/x\nsectors: [mobilty]\n")
    with pytest.raises(BuildError) as error:
        build(db, submissions_dir=submissions, today=TODAY)
    assert "broken.yml:2:" in str(error.value) and "broken.yml:3:" in str(error.value)
    assert dump(db) == before
    assert [p.name for p in tmp_path.iterdir() if "building" in p.name] == []


def test_build_failure_while_writing_keeps_old_file(tmp_path, submissions, monkeypatch):
    db = tmp_path / "essforge.db"
    build(db, submissions_dir=submissions, today=TODAY)
    before = dump(db)
    import registry.db

    def explode(database):
        raise sqlite3.OperationalError("disk I/O error (simulated)")

    monkeypatch.setattr(registry.db, "create_indexes", explode)
    with pytest.raises(BuildError, match="previous database is untouched"):
        build(db, submissions_dir=submissions, today=TODAY)
    assert dump(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["essforge.db", "submissions"]


def test_crawl_completes_but_never_overwrites_a_submission(tmp_path, submissions):
    store = make_crawl_store(
        tmp_path / "essforge-crawl.db",
        [
            {
                "url": "https://github.com/example/coop-delivery",
                "full_name": "example/coop-delivery",
                "data": {
                    "name": "coop-delivery",
                    "description": "Crawled description that must not win",
                    "homepage": "https://coop-delivery.example",
                    "licence": "MIT",
                    "licence_declarations": [["forge_api", "MIT"]],
                    "stars": 42,
                    "contributors": 7,
                    "last_activity": "2026-10-20T00:00:00Z",
                    "topics": ["cooperative", "delivery"],
                    "relevance": "listed",
                    "inferred_sectors": [["food-agriculture", 2.0]],
                },
            },
            {
                "url": "https://github.com/other/monnaie-locale",
                "full_name": "other/monnaie-locale",
                "data": {
                    "name": "monnaie-locale",
                    "description": "Gestion d'une monnaie locale complémentaire et citoyenne pour les associations",
                    "licence": "GPL-3.0",
                    "topics": ["monnaie-locale"],
                    "relevance": "listed",
                    "inferred_sectors": [["community-currency", 4.0]],
                    "stars": 3,
                },
            },
            {
                "url": "https://github.com/other/dotfiles",
                "full_name": "other/dotfiles",
                "data": {"name": "dotfiles", "relevance": "candidate", "relevance_score": 0.1},
            },
        ],
    )
    db = tmp_path / "essforge.db"
    report = build(db, submissions_dir=submissions, crawl_store=store, today=TODAY)
    assert (report.projects, report.crawled, report.candidates) == (3, 1, 1)
    assert rows(db, "select description_en, licence, website, stars, contributors, sector_ids from projects where id = 'coop-delivery'") == [
        (
            "Delivery software for bike couriers' cooperatives.",
            "AGPL-3.0-or-later",
            "https://coop-delivery.example",
            42,
            7,
            '["platform-cooperative", "mobility"]',
        )
    ]
    # The disagreement between the maintainer's licence and the forge's is recorded, not resolved silently.
    assert rows(db, "select kept, kept_source, other, other_source from licence_conflicts where project_id = 'coop-delivery'") == [
        ("AGPL-3.0-or-later", "submission", "MIT", "forge")
    ]
    assert rows(db, "select j.value, p.source from provenance p, json_each(p.fields) j where p.project_id = 'coop-delivery' and j.value in ('licence', 'website', 'stars') order by j.value") == [
        ("licence", "submission"),
        ("stars", "forge"),
        ("website", "forge"),
    ]
    assert rows(db, "select id, origin, licence, sector_ids, description_lang from projects where origin = 'crawl'") == [
        ("other-monnaie-locale", "crawl", "GPL-3.0", '["community-currency"]', "fr")
    ]
    assert rows(db, "select sector_id, inferred from project_sectors where project_id = 'other-monnaie-locale'") == [
        ("community-currency", 1)
    ]
    assert rows(db, "select id from candidates") == [("other-dotfiles",)]


def test_normalise_url():
    assert normalise_url("HTTPS://GitHub.com/Coop/Repo.git/") == "https://github.com/Coop/Repo"
    assert normalise_url("https://framagit.org/a/b/") == "https://framagit.org/a/b"


def test_crawl_data_reads_missing_tables_as_empty(tmp_path):
    path = tmp_path / "empty.db"
    sqlite3.connect(path).close()
    data = CrawlData.load(path)
    assert data.repositories == {} and data.find("https://x.org/a") is None


def test_corrupt_crawl_store_is_a_clear_error(tmp_path, submissions):
    store = tmp_path / "essforge-crawl.db"
    store.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BuildError, match="cannot read the crawl store"):
        build(tmp_path / "x.db", submissions_dir=submissions, crawl_store=store, today=TODAY)


def test_plain_merge_is_the_general_merge_without_crawl_data(tmp_path, submissions):
    """The fast path for records with no crawl data gives exactly what the general merge gives."""
    import importlib.util

    from registry.build import _merge_plain, merge_submission
    from registry.submissions import load_submission

    records = [load_submission(path)[0] for path in sorted(submissions.glob("*.yml"))]
    spec = importlib.util.spec_from_file_location("synthetic", Path(__file__).parents[1] / "bench" / "synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    records += synthetic.records(300)
    records.append({"id": "bare", "name": "Bare", "repository": "https://x.org/a/b.git/", "sectors": []})
    for record in records:
        assert _merge_plain(record) == merge_submission(record, None), record["id"]


def test_provenance_has_one_row_per_source_and_the_page_one_line_per_field(tmp_path, submissions):
    db = tmp_path / "essforge.db"
    build(db, submissions_dir=submissions, today=TODAY)
    found = rows(db, "select source, source_url, fields from provenance where project_id = 'coop-delivery'")
    assert len(found) == 1
    source, source_url, fields = found[0]
    # A folder outside the checkout is named by its own name, never by an absolute path.
    assert source == "submission" and source_url == "submissions/coop-delivery.yml"
    assert {"name", "repository_url", "licence", "sectors", "adopters"} <= set(json.loads(fields))
    # Every project has its name's source; no (project, source, url) twice.
    assert rows(db, "select count(*) from projects where id not in (select project_id from provenance, json_each(fields) where value = 'name')") == [(0,)]
    assert rows(db, "select count(*) - count(distinct project_id || source || coalesce(source_url, '')) from provenance") == [(0,)]


def test_chunked_writing_gives_the_same_database(tmp_path, submissions, monkeypatch):
    """Writing in chunks of one project gives the same content as one chunk."""
    import registry.build

    whole, chunked = tmp_path / "a.db", tmp_path / "b.db"
    build(whole, submissions_dir=submissions, today=TODAY)
    monkeypatch.setattr(registry.build, "CHUNK", 1)
    build(chunked, submissions_dir=submissions, today=TODAY)
    assert dump(whole) == dump(chunked)


def test_organisations_with_non_latin_names_get_distinct_stable_ids():
    from registry.build import _organisation_id

    a, b = _organisation_id("تعاونية الأمل"), _organisation_id("جمعية النور")
    assert a != b and a.startswith("org-") and b.startswith("org-")
    assert _organisation_id("تعاونية الأمل") == a
    assert _organisation_id("Coopérative Oxalis") == "cooperative-oxalis"
