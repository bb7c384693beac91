"""Submission validation: valid files, near misses, wrong types and hostile files.

Messages are asserted in full, position included, as sqlite-utils' tests_cli does: the text is
the interface a maintainer sees.
"""

from __future__ import annotations

import json
import os
import re
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from registry import safeyaml, submissions
from registry.errors import SubmissionError
from registry.licences import LicenceError
from registry.submissions import (
    default_submission_paths,
    format_report,
    load_submission,
    load_submission_text,
    normalise_repository,
    validate_paths,
)
from registry.taxonomy import SECTOR_IDS

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "submissions"
DOCS = ROOT / "docs" / "submission-format.md"

VALID = """\
name: Demo
repository: https://example.org/demo
sectors: [mobility]
"""


@pytest.fixture(params=["c", "python"])
def parser(request, monkeypatch):
    """Run a test with libyaml's parser and with PyYAML's pure-Python one."""
    if request.param == "python":
        class PythonLoader(yaml.SafeLoader):
            pass

        monkeypatch.setattr(safeyaml, "_Loader", PythonLoader)
        monkeypatch.setattr(safeyaml, "_C_PARSER", False)
    elif not safeyaml._C_PARSER:
        pytest.skip("PyYAML was built without libyaml")
    return request.param


def shown(path: Path) -> str:
    """How messages name a file (docs/submission-format.md): as given, except that an absolute
    path under the current folder is shown relative to it, as a maintainer typed it."""
    path = Path(path)
    if path.is_absolute() and path.is_relative_to(Path.cwd()):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def write(tmp_path: Path, text: str | bytes, name: str = "demo.yml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    record, errors = load_submission(path)
    assert (record is None) == bool(errors)
    return [str(error) for error in errors]


def only_error(path: Path) -> str:
    found = messages(path)
    assert len(found) == 1, found
    return found[0]


# -- valid files ---------------------------------------------------------------------------


def test_shipped_submissions_are_valid():
    paths = default_submission_paths()
    assert paths, "registry/submissions/ has no files"
    assert validate_paths(paths) == []


def test_default_submission_paths_lists_yaml_files_of_the_package_folder():
    paths = default_submission_paths()
    folder = Path(submissions.__file__).resolve().parent / "submissions"
    assert paths == sorted(paths)
    assert all(path.parent == folder and path.suffix in (".yml", ".yaml") for path in paths)


def test_full_record(monkeypatch):
    monkeypatch.chdir(ROOT)
    record, errors = load_submission(Path("tests/data/submissions/full.yml"))
    assert errors == []
    assert record == {
        "id": "full",
        "name": "CoopCycle",
        "repository": "https://github.com/coopcycle/coopcycle-web",
        "website": "https://coopcycle.org",
        "description": {
            "en": "A platform for bike delivery cooperatives: orders, dispatch and couriers' schedules.",
            "fr": "Une plateforme pour les coopératives de livraison à vélo : commandes, dispatch et "
                  "plannings des coursiers.",
        },
        "sectors": ["platform-cooperative", "mobility"],
        "licence": "AGPL-3.0-or-later",
        "status": "stable",
        "organisation": {"name": "CoopCycle", "legal_form": "association", "country": "FR",
                         "website": "https://coopcycle.org"},
        "languages": ["fr", "en", "no"],
        "audiences": ["delivery cooperatives", "restaurants"],
        "tags": ["bike-delivery", "logistics"],
        "adopters": [{"name": "Olvo", "website": "https://olvo.fr", "country": "FR"}],
        "providers": [{"name": "CoopCycle", "website": None, "country": None}],
        "contact": "contact@coopcycle.org",
        "source": "submission",
        "source_path": "tests/data/submissions/full.yml",
    }


def test_minimal_record_has_every_field_with_empty_defaults():
    record, errors = load_submission(DATA / "minimal.yml")
    assert errors == []
    assert record["id"] == "minimal"
    assert record["repository"] == "https://fossil.kd2.org/paheko"
    for name in ("website", "licence", "status", "organisation", "contact"):
        assert record[name] is None
    for name in ("languages", "audiences", "tags", "adopters", "providers"):
        assert record[name] == []
    assert record["description"] == {}


def test_empty_optional_values_mean_not_given(tmp_path):
    path = write(tmp_path, VALID + "website:\nstatus:\ntags:\norganisation:\ncontact:\nlicence:\n")
    record, errors = load_submission(path)
    assert errors == []
    assert record["website"] is None and record["tags"] == [] and record["organisation"] is None


@pytest.mark.parametrize("contact", [
    "https://forum.example.org", "mailto:team@example.org", "team@example.org",
    "mailto:team@example.org?subject=essforge",
])
def test_contact_may_be_a_url_a_mailto_link_or_an_email(tmp_path, contact):
    assert messages(write(tmp_path, VALID + f"contact: {contact}\n")) == []


def test_yaml_1_2_core_schema_keeps_norwegian_and_dates_as_text(tmp_path):
    path = write(tmp_path, VALID + "languages: [no, nb]\ntags: [2024-03-15, yes, on]\n")
    record, errors = load_submission(path)
    assert errors == []
    assert record["languages"] == ["no", "nb"]
    assert record["tags"] == ["2024-03-15", "yes", "on"]


@pytest.mark.parametrize("url, expected", [
    ("https://GitHub.com/Loomio/loomio.git/", "https://github.com/Loomio/loomio"),
    ("HTTP://Example.ORG:80/a/b/", "http://example.org/a/b"),
    ("https://example.org:8443/x.git#readme", "https://example.org:8443/x"),
    ("https://fossil.kd2.org/paheko/", "https://fossil.kd2.org/paheko"),
])
def test_normalise_repository(url, expected):
    assert normalise_repository(url) == expected


def test_full_example_of_the_docs_is_valid(tmp_path):
    text = DOCS.read_text(encoding="utf-8")
    example = re.search(r"## A full example\n\n```yaml\n(.*?)```", text, re.S).group(1)
    record, errors = load_submission(write(tmp_path, example, "coopcycle-web.yml"))
    assert errors == [], errors
    assert record["sectors"] == ["platform-cooperative", "mobility"]


def test_validate_text_gives_the_same_answer_as_a_file(tmp_path):
    record, errors = load_submission_text(VALID, "demo.yml")
    assert errors == []
    assert record["id"] == "demo"


# -- the schema and the docs -----------------------------------------------------------------


def test_schema_is_valid_and_its_sectors_are_the_taxonomy():
    schema = json.loads(submissions.SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["sectors"]["items"]["enum"] == list(SECTOR_IDS)
    assert schema["required"] == ["name", "repository", "sectors"]
    assert list(schema["properties"]) == list(submissions.FIELDS)
    assert schema["properties"]["organisation"]["properties"]["legal_form"]["enum"][:-1] == list(submissions.LEGAL_FORMS)


def test_every_field_and_sector_is_documented():
    text = DOCS.read_text(encoding="utf-8")
    for name in submissions.FIELDS:
        assert re.search(rf"^### `{name}`", text, re.M) or f"`{name}`" in text, name
    for sector in SECTOR_IDS:
        assert f"| `{sector}` |" in text, sector
    for form in submissions.LEGAL_FORMS:
        assert f"`{form}`" in text, form


def test_error_example_of_the_docs_is_real(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "registry" / "submissions"
    folder.mkdir(parents=True)
    (folder / "my-project.yml").write_text(
        "name: My project\n"
        "repository: https://github.com/me/my-project\n"
        "lisence: MIT\n"
        "sectors:\n"
        "  - housing\n"
        "  - mobilty\n"
        "status: production\n"
        "organisation:\n"
        "  name: Us\n"
        "  country: FRA\n",
        encoding="utf-8",
    )
    report = format_report(validate_paths([Path("registry/submissions/my-project.yml")]), 1)
    text = DOCS.read_text(encoding="utf-8")
    documented = re.search(r"wrong:\n\n```text\n(.*?)```", text, re.S).group(1)
    assert report + "\n" == documented


# -- near misses -----------------------------------------------------------------------------


def test_near_misses_get_a_suggestion():
    assert messages(DATA / "near-misses.yml") == [
        f"{shown(DATA / 'near-misses.yml')}:3:1: lisence: unknown field (did you mean 'licence'?)",
        f"{shown(DATA / 'near-misses.yml')}:6:5: sectors[1]: unknown sector 'mobilty' (did you mean 'mobility'?)",
        f"{shown(DATA / 'near-misses.yml')}:7:9: status: unknown status 'production' (did you mean 'stable'?)",
        f"{shown(DATA / 'near-misses.yml')}:10:15: organisation.legal_form: unknown legal form 'cooperativ' (did you mean 'cooperative'?)",
        f"{shown(DATA / 'near-misses.yml')}:11:12: organisation.country: unknown country code 'FRA' (did you mean 'FR'?)",
        f"{shown(DATA / 'near-misses.yml')}:12:17: languages[1]: unknown language code 'fre' (did you mean 'fr'?)",
    ]


@pytest.mark.parametrize("line, expected", [
    ("license: MIT", "4:1: license: unknown field (did you mean 'licence'?)"),
    ("organization: {name: X}", "4:1: organization: unknown field (did you mean 'organisation'?)"),
    ("url: https://x.org", "4:1: url: unknown field (did you mean 'repository'?)"),
    ("homepage: https://x.org", "4:1: homepage: unknown field (did you mean 'website'?)"),
    ("logo: img/logo.svg",
     "4:1: logo: unknown field; the fields are: name, repository, website, description, sectors, licence, "
     "status, organisation, languages, audiences, adopters, providers, contact, tags"),
    ("status: alpha", "4:9: status: unknown status 'alpha' (did you mean 'beta'?)"),
    ("status: deprecated", "4:9: status: unknown status 'deprecated' (did you mean 'obsolete'?)"),
    ("status: Stable", "4:9: status: unknown status 'Stable' (did you mean 'stable'?)"),
    ("status: whatever",
     "4:9: status: unknown status 'whatever' (expected one of: concept, development, beta, stable, obsolete)"),
    ("organisation: {legal_form: SCIC}",
     "4:28: organisation.legal_form: unknown legal form 'SCIC' (did you mean 'cooperative'?)"),
    ("organisation: {legal_form: non-profit}",
     "4:28: organisation.legal_form: unknown legal form 'non-profit' (did you mean 'association'?)"),
    ("organisation: {legal_from: cooperative}",
     "4:16: organisation.legal_from: unknown field (did you mean 'legal_form'?)"),
    ("organisation: {country: UK}", "4:25: organisation.country: unknown country code 'UK' (did you mean 'GB'?)"),
    ("organisation: {country: France}",
     "4:25: organisation.country: unknown country code 'France' (did you mean 'FR'?)"),
    ("organisation: {country: XY}",
     "4:25: organisation.country: unknown country code 'XY' (expected an ISO 3166-1 alpha-2 code such as 'FR')"),
    ("languages: [fr-FR]", "4:13: languages[0]: unknown language code 'fr-FR' (did you mean 'fr'?)"),
    ("languages: [French]", "4:13: languages[0]: unknown language code 'French' (did you mean 'fr'?)"),
    ("languages: [français]", "4:13: languages[0]: unknown language code 'français' (did you mean 'fr'?)"),
    ("description: {english: Hello}",
     "4:15: description.english: unknown language code 'english' (did you mean 'en'?)"),
    ("adopters: [{name: A, country: ESP}]",
     "4:31: adopters[0].country: unknown country code 'ESP' (did you mean 'ES'?)"),
])
def test_more_near_misses(tmp_path, line, expected):
    path = write(tmp_path, VALID + line + "\n")
    assert only_error(path) == f"{shown(path)}:{expected}"


def test_unknown_sector_without_a_close_match_points_to_the_list(tmp_path):
    path = write(tmp_path, VALID.replace("[mobility]", "[mobility, spaceflight]"))
    assert only_error(path) == (
        f"{shown(path)}:3:21: sectors[1]: unknown sector 'spaceflight' "
        "(the sector ids are listed in docs/submission-format.md)"
    )


def test_unknown_licence_gets_the_suggestion_of_the_licences_module(tmp_path, monkeypatch):
    def fake_normalise(value):
        raise LicenceError(f"unknown licence {value!r}", "GPL-3.0-or-later" if value == "GPL3+" else None)

    monkeypatch.setattr(submissions, "normalise_licence", fake_normalise)
    path = write(tmp_path, VALID + "licence: GPL3+\n")
    assert only_error(path) == f"{shown(path)}:4:10: licence: unknown licence 'GPL3+' (did you mean 'GPL-3.0-or-later'?)"
    path = write(tmp_path, VALID + "licence: Do what you want\n")
    assert only_error(path) == f"{shown(path)}:4:10: licence: unknown licence 'Do what you want'"


@pytest.mark.parametrize("licence, message", [
    ("BSD", "unknown licence 'BSD': there are several BSD licences; say which one "
            "(did you mean 'BSD-3-Clause' or 'BSD-2-Clause'?)"),
    ("Public Domain", "unknown licence 'Public Domain': 'public domain' is not a licence: if the authors "
                      "waived their rights, give the waiver their text uses (did you mean 'CC0-1.0' or 'Unlicense'?)"),
    ("CC-BY", "unknown licence 'CC-BY' (did you mean 'CC-BY-4.0'?)"),
    ("Do what you want", "unknown licence 'Do what you want' (expected an SPDX identifier or expression, "
                         "such as 'AGPL-3.0-or-later' or 'MIT OR Apache-2.0')"),
])
def test_licence_errors_explain_ambiguous_values(tmp_path, licence, message):
    path = write(tmp_path, VALID + f"licence: {licence}\n")
    assert only_error(path) == f"{shown(path)}:4:10: licence: {message}"


def test_a_known_licence_is_accepted(tmp_path):
    assert messages(write(tmp_path, VALID + "licence: AGPL-3.0-or-later\n")) == []


# -- wrong types -----------------------------------------------------------------------------


def test_wrong_types_are_explained():
    path = DATA / "wrong-types.yml"
    assert messages(path) == [
        f"{shown(path)}:1:7: name: expected a string, got an integer; put it in quotes if you meant the text",
        f"{shown(path)}:3:10: sectors: expected a list of sector ids, got a string; write it as a list: sectors: [mobility]",
        f"{shown(path)}:4:11: adopters: expected a list of organisations (name, website, country), got a string; "
        "write one '- name: ...' entry per organisation",
    ]


@pytest.mark.parametrize("text, expected", [
    ("name:\nrepository: https://x.org/a\nsectors: [mobility]\n",
     "1:6: name: required field is empty; expected a string"),
    ("repository: https://x.org/a\nsectors: [mobility]\n", "1:1: name: required field is missing"),
    ("name: A\nrepository: https://x.org/a\nsectors: []\n", "3:10: sectors: give at least one sector id"),
    ("name: A\nrepository: https://x.org/a\nsectors: [1]\n", "3:11: sectors[0]: expected a sector id, got an integer"
     "; put it in quotes if you meant the text"),
    ("name: ' '\nrepository: https://x.org/a\nsectors: [mobility]\n", "1:7: name: must not be empty"),
    (VALID + "description: Some text\n",
     "4:14: description: expected a mapping of language code to text (for example 'en: ...'), got a string; "
     "write it as 'description:' then one line per language such as '  en: ...'"),
    (VALID + "organisation: [a]\n",
     "4:15: organisation: expected a mapping with name, legal_form, country and website, got a list"),
    (VALID + "adopters:\n  - just a name\n",
     "5:5: adopters[0]: expected a mapping with name, website and country, got a string"),
    (VALID + "adopters:\n  - website: https://x.org\n", "5:5: adopters[0].name: required field is missing"),
    (VALID + "description: {en: }\n",
     "4:18: description.en: expected a text, got nothing (an empty value); fill it in or remove the line"),
    (VALID + "description:\n  en:\n",
     "5:6: description.en: expected a text, got nothing (an empty value); fill it in or remove the line"),
    (VALID + "adopters:\n  - name:\n    country: FR\n",
     "5:10: adopters[0].name: expected a string, got nothing (an empty value); fill it in or remove the line"),
    (VALID + "tags: [a, b, a]\n", "4:14: tags[2]: 'a' is listed twice (first as tags[0])"),
    (VALID.replace("[mobility]", "[mobility, mobility]"),
     "3:21: sectors[1]: 'mobility' is listed twice (first as sectors[0])"),
    (VALID + "status: true\n",
     "4:9: status: expected one of concept, development, beta, stable, obsolete, got a boolean (true/false)"),
    (VALID + "tags: [" + "x" * 61 + "]\n", "4:8: tags[0]: is too long (61 characters; the limit is 60)"),
])
def test_type_and_shape_errors(tmp_path, text, expected):
    path = write(tmp_path, text)
    assert only_error(path) == f"{shown(path)}:{expected}"


def test_a_file_missing_both_name_and_sectors_gets_one_line_for_each(tmp_path):
    path = write(tmp_path, "repository: https://x.org/a\n")
    assert messages(path) == [
        f"{shown(path)}:1:1: name: required field is missing",
        f"{shown(path)}:1:1: sectors: required field is missing",
    ]


@pytest.mark.parametrize("text, position", [
    (VALID + "description: {en: }\n", "4:18"),
    (VALID + "description: {en: , fr: Bonjour}\n", "4:18"),
    (VALID + "description:\n  en:\n", "5:6"),
    (VALID + "description:\n  en:   \n", "5:6"),
])
def test_an_empty_value_is_located_just_after_its_colon_with_either_parser(tmp_path, text, position, parser):
    # libyaml would point at the '}' of a flow mapping, PyYAML just after the ':'.
    path = write(tmp_path, text)
    assert only_error(path) == (
        f"{shown(path)}:{position}: description.en: expected a text, got nothing (an empty value); "
        "fill it in or remove the line"
    )


def test_paths_are_shown_as_given_or_relative_to_the_current_folder(tmp_path, monkeypatch):
    folder = tmp_path / "work"
    (folder / "subs").mkdir(parents=True)
    (folder / "subs" / "a.yml").write_text("name: A\n", encoding="utf-8")
    outside = write(tmp_path, "name: B\n", "b.yml")
    monkeypatch.chdir(folder)
    absolute = folder / "subs" / "a.yml"
    assert [error.path for error in validate_paths([absolute])] == ["subs/a.yml"] * 2
    assert [error.path for error in validate_paths([Path("subs/a.yml")])] == ["subs/a.yml"] * 2
    assert [error.path for error in validate_paths([Path("./subs/../subs/a.yml")])] == ["subs/../subs/a.yml"] * 2
    assert [error.path for error in validate_paths([outside])] == [str(outside)] * 2
    assert [error.path for error in validate_paths([Path("subs")])] == ["subs/a.yml"] * 2


# -- URLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("line, expected", [
    ("website: javascript:alert(1)", "4:10: website: expected an http:// or https:// URL, got 'javascript:alert(1)'"),
    ("website: file:///etc/passwd", "4:10: website: expected an http:// or https:// URL, got 'file:///etc/passwd'"),
    ("website: ftp://example.org/x", "4:10: website: expected an http:// or https:// URL, got 'ftp://example.org/x'"),
    ("website: data:text/html,hi", "4:10: website: expected an http:// or https:// URL, got 'data:text/html,hi'"),
    ("website: coopcycle.org",
     "4:10: website: expected an http:// or https:// URL, got 'coopcycle.org' (did you mean 'https://coopcycle.org'?)"),
    ("website: https://", "4:10: website: expected an http:// or https:// URL, got 'https://' (no host name)"),
    ("website: https://exa mple.org",
     "4:10: website: expected an http:// or https:// URL, got 'https://exa mple.org' (a URL cannot contain spaces)"),
    ("website: https://user:secret@example.org/a",
     "4:10: website: a URL must not contain a password; write it without them: 'https://example.org/a'"),
    ("organisation: {website: 'javascript:alert(1)'}",
     "4:25: organisation.website: expected an http:// or https:// URL, got 'javascript:alert(1)'"),
    ("adopters: [{name: A, website: 'vbscript:x'}]",
     "4:31: adopters[0].website: expected an http:// or https:// URL, got 'vbscript:x'"),
    ("contact: javascript:alert(1)",
     "4:10: contact: expected an http:// or https:// URL, a mailto: link or an email address, got 'javascript:alert(1)'"),
    ("contact: mailto:nobody",
     "4:10: contact: expected an http:// or https:// URL, a mailto: link or an email address, got 'mailto:nobody'"),
])
def test_urls_must_be_http(tmp_path, line, expected):
    path = write(tmp_path, VALID + line + "\n")
    assert only_error(path) == f"{shown(path)}:{expected}"


def test_repository_must_be_http(tmp_path):
    path = write(tmp_path, "name: A\nrepository: git@github.com:org/app.git\nsectors: [mobility]\n")
    assert only_error(path) == (
        f"{shown(path)}:2:13: repository: expected an http:// or https:// URL, got 'git@github.com:org/app.git' "
        "(did you mean 'https://github.com/org/app'?)"
    )


# -- hostile files ---------------------------------------------------------------------------


def test_billion_laughs_is_refused_at_the_first_anchor_in_bounded_memory(parser):
    path = DATA / "billion-laughs.yml"
    tracemalloc.start()
    try:
        found = messages(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found == [f"{shown(path)}:3:4: a: anchors and aliases (& and *) are not allowed"]
    assert peak < 5_000_000


def test_any_alias_is_refused(tmp_path, parser):
    path = write(tmp_path, "name: &n Demo\nrepository: https://x.org/a\nsectors: [mobility]\n")
    assert only_error(path) == f"{shown(path)}:1:7: name: anchors and aliases (& and *) are not allowed"
    path = write(tmp_path, "base: &b {name: A}\n<<: *b\n")
    assert only_error(path) == f"{shown(path)}:1:7: base: anchors and aliases (& and *) are not allowed"


def test_python_object_tag_is_refused_and_never_run(monkeypatch, parser):
    calls = []
    monkeypatch.setattr(os, "system", lambda command: calls.append(command))
    path = DATA / "python-object.yml"
    assert only_error(path) == (
        f"{shown(path)}:1:7: name: the tag '!!python/object/apply:os.system' is not allowed; "
        "write plain values without '!' tags"
    )
    assert calls == []


@pytest.mark.parametrize("value, tag", [
    ("!!binary aGVsbG8=", "!!binary"),
    ("!!set {a, b}", "!!set"),
    ("!!timestamp 2024-01-01", "!!timestamp"),
    ("!custom thing", "!custom"),
    ("!!python/name:os.system", "!!python/name:os.system"),
])
def test_other_tags_are_refused(tmp_path, value, tag, parser):
    path = write(tmp_path, f"name: {value}\n")
    assert only_error(path) == f"{shown(path)}:1:7: name: the tag {tag!r} is not allowed; write plain values without '!' tags"


def test_core_tags_are_allowed(tmp_path, parser):
    path = write(tmp_path, "name: !!str 2048\nrepository: https://x.org/a\nsectors: !!seq [mobility]\n")
    record, errors = load_submission(path)
    assert errors == [] and record["name"] == "2048"


def test_duplicate_keys_are_refused(tmp_path, parser):
    path = write(tmp_path, VALID + "name: Other\n")
    assert only_error(path) == f"{shown(path)}:4:1: name: duplicate key 'name' (first written on line 1)"
    path = write(tmp_path, VALID + "organisation:\n  name: A\n  name: B\n")
    assert only_error(path) == f"{shown(path)}:6:3: organisation.name: duplicate key 'name' (first written on line 5)"


def test_several_documents_are_refused(tmp_path, parser):
    path = write(tmp_path, VALID + "---\n" + VALID)
    assert only_error(path) == (
        f"{shown(path)}:4:1: (file): several YAML documents in one file; keep a single document (remove the '---' line)"
    )


def test_one_explicit_document_is_fine(tmp_path, parser):
    assert messages(write(tmp_path, "---\n" + VALID + "...\n")) == []


@pytest.mark.parametrize("text, expected", [
    ("- name: A\n- name: B\n", "1:1: (file): expected a mapping of fields (name: ...) at the top level, got a list"),
    ("just some text\n", "1:1: (file): expected a mapping of fields (name: ...) at the top level, got a string"),
    ("# only a comment\n", "1:1: (file): " + safeyaml._EMPTY),
    ("", "1:1: (file): " + safeyaml._EMPTY),
    ("---\n", "1:1: (file): " + safeyaml._EMPTY),
])
def test_top_level_must_be_a_mapping(tmp_path, text, expected, parser):
    path = write(tmp_path, text)
    assert only_error(path) == f"{shown(path)}:{expected}"


def test_non_utf8_bytes_are_located(tmp_path):
    path = write(tmp_path, "name: Demo\nrepository: https://x.org/a\ndescription: {fr: 'Cr\xe9\xe9'}\n".encode("latin-1"))
    assert only_error(path) == f"{shown(path)}:3:22: (file): not valid UTF-8 (byte 0xe9, which is 'é' in Windows-1252 or Latin-1); save the file with the UTF-8 encoding"
    path = write(tmp_path, b"name: \xc3\xa9t\xc3\xa9 \x81\n")
    assert only_error(path) == f"{shown(path)}:1:11: (file): not valid UTF-8 (byte 0x81); save the file with the UTF-8 encoding"


def test_utf16_file_is_refused(tmp_path):
    path = write(tmp_path, VALID.encode("utf-16"))
    assert only_error(path) == f"{shown(path)}:1:1: (file): the file is UTF-16; save it with the UTF-8 encoding"
    path = write(tmp_path, VALID.encode("utf-32"))  # its byte-order mark starts like UTF-16's
    assert only_error(path) == f"{shown(path)}:1:1: (file): the file is UTF-32; save it with the UTF-8 encoding"


def test_utf8_byte_order_mark_is_fine(tmp_path):
    assert messages(write(tmp_path, b"\xef\xbb\xbf" + VALID.encode())) == []


def test_control_characters_are_refused(tmp_path, parser):
    path = write(tmp_path, "name: De\x1b[31mmo\n")
    assert only_error(path) == f"{shown(path)}:1:9: (file): control character '\\x1b' is not allowed in YAML"
    path = write(tmp_path, "name: A\x00\n")
    assert only_error(path) == f"{shown(path)}:1:8: (file): control character '\\x00' is not allowed in YAML"


def test_big_file_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "big.yml"
    with open(path, "wb") as handle:
        handle.truncate(10 * 1024 * 1024)  # sparse: 10 MB without writing them

    def no_reading(*args, **kwargs):
        raise AssertionError("the file was opened for reading")

    monkeypatch.setattr(safeyaml.os, "fdopen", no_reading)
    monkeypatch.setattr(safeyaml.os, "read", no_reading)
    assert only_error(path) == f"{shown(path)}:1:1: (file): file is too large (10485760 bytes; the limit is 262144 bytes)"


def test_file_just_over_the_limit_is_refused_and_at_the_limit_is_read(tmp_path):
    path = write(tmp_path, VALID + "#" * (safeyaml.MAX_BYTES - len(VALID) + 1))
    assert only_error(path) == f"{shown(path)}:1:1: (file): file is too large (262145 bytes; the limit is 262144 bytes)"
    path = write(tmp_path, VALID + "#" * (safeyaml.MAX_BYTES - len(VALID)))
    assert messages(path) == []


def test_endless_file_is_read_only_up_to_the_limit(tmp_path, monkeypatch):
    # A special file (or one growing while read) can report a small size to fstat.
    path = write(tmp_path, VALID + "#" * (safeyaml.MAX_BYTES + 10))
    real_fstat = os.fstat

    def small_fstat(fd):
        result = real_fstat(fd)
        return os.stat_result((result.st_mode, *tuple(result)[1:6], 10, *tuple(result)[7:]))

    monkeypatch.setattr(safeyaml.os, "fstat", small_fstat)
    assert only_error(path) == f"{shown(path)}:1:1: (file): file is too large (262145 bytes; the limit is 262144 bytes)"


def test_deep_nesting_is_refused(tmp_path, parser):
    path = write(tmp_path, "name: " + "[" * 5000 + "]" * 5000 + "\n")
    found = only_error(path)
    assert found.startswith(f"{shown(path)}:1:26: name[0]")
    assert found.endswith(": too deeply nested (the limit is 20 levels)")
    path = write(tmp_path, "a:\n" + "".join("  " * depth + f"k{depth}:\n" for depth in range(1, 40)))
    assert only_error(path).endswith("too deeply nested (the limit is 20 levels)")


def test_long_lists_and_strings_are_refused(tmp_path, parser):
    path = write(tmp_path, "tags: [" + ", ".join(["x"] * 10001) + "]\n")
    assert only_error(path) == f"{shown(path)}:1:30008: tags: too many items (the limit is 10000)"
    path = write(tmp_path, "name: " + "x" * 20001 + "\n")
    assert only_error(path) == f"{shown(path)}:1:7: name: value is too long (20001 characters; the limit is 20000)"
    path = write(tmp_path, "".join(f"k{index}: v\n" for index in range(1001)))
    assert only_error(path) == f"{shown(path)}:1001:1: (file): too many keys (the limit is 1000)"


def test_huge_numbers_stay_text_and_are_refused_as_names(tmp_path, parser):
    path = write(tmp_path, "name: " + "9" * 5000 + "\nrepository: https://x.org/a\nsectors: [mobility]\n")
    assert only_error(path) == f"{shown(path)}:1:7: name: is too long (5000 characters; the limit is 200)"


def test_complex_keys_are_refused(tmp_path, parser):
    path = write(tmp_path, "? [a, b]\n: c\n")
    assert only_error(path) == f"{shown(path)}:1:3: (file): keys must be plain text, not lists or mappings"


def test_yaml_syntax_errors_are_located(tmp_path):
    path = write(tmp_path, "name: Demo\ndescription:\n  en: One: two\n")
    assert only_error(path) == (
        f"{shown(path)}:3:10: (file): invalid YAML: mapping values are not allowed in this context; "
        "put text that contains ': ' in quotes"
    )
    path = write(tmp_path, "name: Demo\nsectors:\n\t- mobility\n")
    assert only_error(path) == (
        f"{shown(path)}:3:1: (file): invalid YAML: found character that cannot start any token "
        "(while scanning for the next token at line 3, column 1); indent with spaces, not tabs"
    )


def test_symbolic_links_and_special_files_are_refused(tmp_path):
    target = write(tmp_path, VALID, "target.yml")
    link = tmp_path / "link.yml"
    link.symlink_to(target)
    assert only_error(link) == f"{shown(link)}:1:1: (file): symbolic links are not accepted; put the file itself here"
    fifo = tmp_path / "fifo.yml"
    os.mkfifo(fifo)
    assert only_error(fifo) == f"{shown(fifo)}:1:1: (file): not a regular file"
    missing = tmp_path / "missing.yml"
    assert only_error(missing) == f"{shown(missing)}:1:1: (file): file not found"


def test_hostile_values_are_shown_escaped_and_short(tmp_path):
    path = write(tmp_path, VALID + "website: 'javascript:\u202ealert(1)" + "x" * 200 + "'\n")
    found = only_error(path)
    assert "\u202e" not in found and "\\u202e" in found
    assert len(found) < len(str(path)) + 200


def _measure(function):
    """Run ``function``: its result, the seconds it took and the peak of Python allocations."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        result = function()
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, seconds, peak


MAX_SECONDS = 1.0  # generous: both are refused in a few milliseconds
MAX_PEAK = 5_000_000


@pytest.fixture(scope="module")
def file_of_50_mb(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "big.yml"
    line = b"description: {en: 'a line of a long, long file'}\n"
    with open(path, "wb") as handle:
        handle.write(line * (50 * 1024 * 1024 // len(line) + 1))
    assert path.stat().st_size > 50 * 1024 * 1024
    return path


def test_an_alias_bomb_and_a_50_mb_file_are_refused_quickly_in_bounded_memory(file_of_50_mb):
    bomb = DATA / "billion-laughs.yml"
    errors, seconds, peak = _measure(lambda: validate_paths([bomb, file_of_50_mb]))
    assert [str(error) for error in errors] == [
        f"{shown(bomb)}:3:4: a: anchors and aliases (& and *) are not allowed",
        f"{shown(file_of_50_mb)}:1:1: (file): file is too large ({file_of_50_mb.stat().st_size} bytes; "
        "the limit is 262144 bytes)",
    ]
    assert seconds < MAX_SECONDS
    assert peak < MAX_PEAK


def test_the_bounds_fail_for_a_naive_reader(file_of_50_mb):
    # Counter-test of the one above: the same measure catches a reader that loads the file, and
    # a loader that expands aliases (PyYAML's own shares them, but our checks would walk them).
    _, _, peak = _measure(lambda: file_of_50_mb.read_bytes())
    assert peak > MAX_PEAK
    bomb = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]\n"
        for previous, name in zip("abcde", "bcdef")  # 9**6 "lol" once expanded
    )
    _, _, peak = _measure(lambda: json.dumps(yaml.safe_load(bomb)))
    assert peak > MAX_PEAK


def test_the_alias_bomb_is_refused_at_its_first_anchor(monkeypatch):
    pulled = []

    class CountingLoader(safeyaml._Loader):
        def get_event(self):
            pulled.append(1)
            return super().get_event()

    monkeypatch.setattr(safeyaml, "_Loader", CountingLoader)
    assert len(messages(DATA / "billion-laughs.yml")) == 1
    assert len(pulled) < 15  # stream, document, mapping, two fields, then the anchored 'a'


def test_keys_and_file_names_that_are_not_printable_are_escaped(tmp_path):
    path = write(tmp_path, VALID + '"li\u202ecence": MIT\n')
    assert only_error(path) == f"{shown(path)}:4:1: li\\u202ecence: unknown field (did you mean 'licence'?)"
    path = write(tmp_path, VALID + "website: ftp://x.org\n", "new\nline.yml")
    found = only_error(path)
    assert "\n" not in found
    assert found.startswith(shown(path).replace("\n", "\\n") + ":4:10: website: ")


# -- several files ---------------------------------------------------------------------------


def test_same_repository_twice_is_refused_on_the_second_file(tmp_path):
    first = write(tmp_path, VALID, "first.yml")
    second = write(tmp_path, VALID.replace("https://example.org/demo", "http://WWW.Example.org/Demo.git/"), "second.yml")
    assert [str(error) for error in validate_paths([first, second])] == [
        f"{shown(second)}:2:13: repository: the repository 'http://WWW.Example.org/Demo.git/' is already listed in {shown(first)}",
    ]


def test_same_id_twice_is_refused(tmp_path):
    first = write(tmp_path, VALID, "demo.yml")
    second = write(tmp_path, VALID.replace("demo", "other"), "demo.yaml")
    assert [str(error) for error in validate_paths([first, second])] == [
        f"{shown(second)}:1:1: (file): the id 'demo' is already used by {shown(first)}; rename the file",
    ]


def test_validate_paths_expands_folders_and_keeps_going_after_errors(tmp_path):
    write(tmp_path, VALID, "a.yml")
    write(tmp_path, "name: [\n", "b.yml")
    write(tmp_path, VALID.replace("demo", "c"), "c.yaml")
    write(tmp_path, "not yaml", "notes.txt")
    errors = validate_paths([tmp_path])
    assert [error.path for error in errors] == [shown(tmp_path / "b.yml")]
    assert submissions.expand_paths([tmp_path]) == [tmp_path / "a.yml", tmp_path / "b.yml", tmp_path / "c.yaml"]


def test_a_folder_without_yaml_files_is_reported(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not yaml", encoding="utf-8")
    good = write(tmp_path, VALID)
    assert [str(error) for error in validate_paths([empty, good])] == [
        f"{shown(empty)}:1:1: (file): the folder has no .yml or .yaml file to check",
    ]
    assert submissions.expand_paths([empty, good]) == [good]


def test_format_report():
    error = SubmissionError("a.yml", 3, 1, "lisence", "unknown field (did you mean 'licence'?)")
    assert format_report([error], 1) == "a.yml:3:1: lisence: unknown field (did you mean 'licence'?)\n1 file checked, 1 error"
    assert format_report([error, error], 2).endswith("\n2 files checked, 2 errors")
    assert format_report([], 14) == "14 files checked, 0 errors"


def test_locations_are_one_based_for_keys_values_and_items():
    document = safeyaml.load_text("a:\n  - x\n  - {b: y}\nc: z\n", "t.yml")
    assert document.data == {"a": ["x", {"b": "y"}], "c": "z"}
    assert document.locations["a[0]"] == (2, 5)
    assert document.locations["a[1].b"] == (3, 9)
    assert document.key_locations["a[1].b"] == (3, 6)
    assert document.key_locations["c"] == (4, 1)
    assert document.locate("a[1].missing") == (3, 5)


# -- realistic maintainer mistakes (QA against real files) ----------------------------------

def _invoke_validate(*paths):
    from click.testing import CliRunner

    from registry.cli import cli

    return CliRunner().invoke(cli, ["validate", *map(str, paths)])


@pytest.mark.parametrize("text, expected", [
    # tabs for indentation
    (b"name: Demo\nrepository: https://example.org/demo\nsectors:\n\t- mobility\n",
     ":4:1: (file): invalid YAML: found character that cannot start any token"),
    # an editor that saved in Windows-1252: the message says which character was meant
    ("name: Demo\nrepository: https://example.org/demo\nsectors: [mobility]\ndescription:\n"
     "  fr: Gestion des bénévoles\n".encode("cp1252"),
     ":5:20: (file): not valid UTF-8 (byte 0xe9, which is 'é' in Windows-1252 or Latin-1)"),
    (VALID.replace("sectors: [mobility]", "sectors: mobility"),
     ":3:10: sectors: expected a list of sector ids, got a string; write it as a list: sectors: [mobility]"),
    (VALID.replace("name:", "Name:"), ":1:1: Name: unknown field (did you mean 'name'?)"),
    (VALID + "organisation:\n  name: Coop\n  country: France\n",
     ":6:12: organisation.country: unknown country code 'France' (did you mean 'FR'?)"),
    (VALID + "organisation:\n  name: Coop\n  legal_form: SCIC\n",
     ":6:15: organisation.legal_form: unknown legal form 'SCIC' (did you mean 'cooperative'?)"),
    (VALID + "organisation:\n  name: Coop\n  legal_form: coop\n",
     ":6:15: organisation.legal_form: unknown legal form 'coop' (did you mean 'cooperative'?)"),
    (VALID + "organisation:\n  name: Asso\n  legal_form: association loi 1901\n",
     ":6:15: organisation.legal_form: unknown legal form 'association loi 1901' (did you mean 'association'?)"),
    (VALID + "website: http://example.org/my site\n",
     ":4:10: website: expected an http:// or https:// URL, got 'http://example.org/my site' (a URL cannot contain spaces)"),
    (VALID + 'description: "text"\n',
     ":4:14: description: expected a mapping of language code to text (for example 'en: ...'), got a string"),
    ("# only a comment\n# and another\n", ":1:1: (file): the file is empty"),
    (VALID + "description:\n  en: " + "word " * 2000 + "\n",
     ":5:7: description.en: is too long (9999 characters; the limit is 5000)"),
    (VALID + "description:\n  en: It does: many things\n",
     ":5:14: (file): invalid YAML: mapping values are not allowed in this context; put text that contains ': ' in quotes"),
    (VALID + "licence: GPL\n", ":4:10: licence: unknown licence 'GPL': say which version of the GPL"),
], ids=["tabs", "windows-1252", "sectors-string", "capitalised-key", "country-name", "scic", "coop",
        "loi-1901", "url-with-space", "description-string", "comments-only", "long-line",
        "unquoted-colon", "bare-gpl"])
def test_maintainer_mistakes_get_one_located_helpful_line_and_exit_1(tmp_path, text, expected):
    path = write(tmp_path, text)
    found = messages(path)
    assert any(message.startswith(shown(path) + expected) for message in found), found
    result = _invoke_validate(path)
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    assert result.output.splitlines()[-1].startswith("1 file checked, ")


@pytest.mark.parametrize("text", [
    VALID.replace("\n", "\r\n").encode(),          # Windows line endings
    b"\xef\xbb\xbf" + VALID.replace("\n", "\r\n").encode(),  # BOM and CRLF (Notepad)
    (VALID + "...\n").encode(),                      # an explicit document end
    (VALID + "licence: GPLv3+\n").encode(),          # a licence name that normalises
    (VALID + "licence: AGPL-3.0-or-later OR EUPL-1.2\n").encode(),
])
def test_harmless_habits_are_accepted(tmp_path, text):
    assert messages(write(tmp_path, text)) == []


def test_validate_exit_code_and_report_for_good_and_bad_files_and_a_folder(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    write(folder, VALID, "good.yml")
    write(folder, VALID.replace("https://example.org/demo", "https://example.org/other")
          .replace("sectors: [mobility]", "sectors: mobility"), "bad.yml")
    (folder / "notes.txt").write_text("not checked")
    single = write(tmp_path, VALID.replace("https://example.org/demo", "https://example.org/third"), "one.yml")
    result = _invoke_validate(single, folder)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[-1] == "3 files checked, 1 error"
    assert len(lines) == 2 and lines[0].startswith(shown(folder / "bad.yml") + ":3:10: sectors:")
    good = _invoke_validate(single, folder / "good.yml")
    assert good.exit_code == 0 and good.output.strip() == "2 files checked, 0 errors"


def test_a_user_name_without_password_is_accepted_and_not_published(tmp_path):
    # The clone address Azure DevOps shows (italia/LavoroAgile's publiccode.yml has one).
    path = write(tmp_path, "name: A\nrepository: https://org@dev.azure.com/org/Some%20Project/_git/app\n"
                           "website: https://org@example.org/a\nsectors: [mobility]\n")
    record, errors = load_submission(path)
    assert errors == []
    assert record["repository"] == "https://dev.azure.com/org/Some%20Project/_git/app"
    assert record["website"] == "https://example.org/a"


def test_a_password_in_a_url_is_refused_and_never_shown_back(tmp_path):
    path = write(tmp_path, "name: A\nrepository: https://me:s3cret-token@github.com/org/app\nsectors: [mobility]\n")
    found = only_error(path)
    assert found == (f"{shown(path)}:2:13: repository: a URL must not contain a password; "
                     "write it without them: 'https://github.com/org/app'")
    assert "s3cret" not in found


@pytest.mark.parametrize("text, expected", [
    # Each message stays on one line, whatever the value holds.
    ("name: P\nrepository: https://example.org/p\nsectors: |\n  mobility\n",
     "3:10: sectors: expected a list of sector ids, got a string; write it as a list: sectors: [mobility]"),
    # A publiccode.yml whose url cannot be split gave a traceback (ValueError: Invalid IPv6 URL).
    ("publiccodeYmlVersion: '0.4'\nname: '!!!'\nurl: 'https://[x'\n",
     "3:6: url: expected an http:// or https:// URL, got 'https://[x'"),
])
def test_odd_values_give_one_located_line(tmp_path, text, expected):
    path = write(tmp_path, text)
    found = [m for m in messages(path) if "sectors: required" not in m]
    assert found == [f"{shown(path)}:{expected}"]


def test_a_repository_written_with_spaces_around_it_is_still_a_duplicate(tmp_path):
    from registry.submissions import validate_paths

    first = write(tmp_path, "name: A\nrepository: https://github.com/a/b\nsectors: [mobility]\n", "a.yml")
    second = write(tmp_path, "name: B\nrepository: ' https://github.com/a/b\t'\nsectors: [mobility]\n", "b.yml")
    errors = [str(e) for e in validate_paths([first, second])]
    assert errors == [f"{shown(second)}:2:13: repository: the repository 'https://github.com/a/b' is already listed in {shown(first)}"]


def test_a_file_that_cannot_be_read_is_one_error(tmp_path):
    if not Path("/proc/self/mem").exists():
        pytest.skip("no /proc")
    assert messages(Path("/proc/self/mem")) == ["/proc/self/mem:1:1: (file): cannot be read (Input/output error)"]


def test_control_characters_written_as_escapes_are_refused(tmp_path, parser):
    path = write(tmp_path, 'name: "Pa\\0he\\eko"\nrepository: https://example.org/p\nsectors: [mobility]\n')
    assert only_error(path) == f"{shown(path)}:1:7: name: control character '\\x00' is not allowed (written as an escape)"
    path = write(tmp_path, VALID + 'tags: ["\\x1b[31mred"]\n')
    assert only_error(path) == f"{shown(path)}:4:8: tags[0]: control character '\\x1b' is not allowed (written as an escape)"
    # Escaped line breaks and tabs are text like any other.
    path = write(tmp_path, VALID + 'description: {en: "One.\\nTwo.\\tThree."}\n')
    assert messages(path) == []


@pytest.mark.parametrize("host", ['github.com\\u202e', '\\"onmouseover=alert(1)', '<script>', 'x.org\\u200b', 'x..org', '-', '.x.org'])
def test_urls_need_a_real_host_name(tmp_path, host):
    path = write(tmp_path, VALID + f'website: "https://{host}/a"\n')
    assert "website: expected an http:// or https:// URL" in only_error(path)
    assert "is not valid)" in only_error(path)


@pytest.mark.parametrize("url", ["https://münchen.de/a", "https://xn--mnchen-3ya.de", "http://127.0.0.1:8080/x",
                                 "https://[::1]/", "https://my_site.example.org", "https://example.org./a"])
def test_international_names_and_addresses_are_hosts(tmp_path, url):
    assert messages(write(tmp_path, VALID + f"website: '{url}'\n")) == []


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_character_errors_are_located_whatever_the_line_endings(tmp_path, newline):
    lines = ["name: Paheko", "repository: https://fossil.kd2.org/paheko", "sectors: [mobility]"]
    path = write(tmp_path, (newline.join(lines + ["website: https://a\x00b.org"]) + newline).encode())
    assert only_error(path) == f"{shown(path)}:4:19: (file): control character '\\x00' is not allowed in YAML"
    path = write(tmp_path, (newline.join(lines) + newline).encode() + b"website: https://a\xe9b.org" + newline.encode())
    assert only_error(path).startswith(f"{shown(path)}:4:19: (file): not valid UTF-8 (byte 0xe9")


def test_an_empty_key_is_refused_where_it_is(tmp_path, parser):
    path = write(tmp_path, VALID + "description: {'': x}\n")
    assert only_error(path) == f"{shown(path)}:4:15: description: a key must not be empty; write the field's name before the ':'"
