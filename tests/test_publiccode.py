"""publiccode.yml files are accepted by `essforge validate` and mapped onto the submission model."""

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import cli
from registry.submissions import load_submission, load_submission_text

DATA = Path(__file__).resolve().parent / "data" / "publiccode"


def test_publiccode_mapping_onto_the_project_record():
    record, errors = load_submission(DATA / "publiccode.yml")
    assert not [e for e in errors if e.field != "sectors"], errors
    assert record is not None
    assert record["source"] == "publiccode"
    assert record["name"] == "Solidaria"
    # url -> repository, normalised (no .git)
    assert record["repository"] == "https://gitlab.example.org/Solidaria/solidaria-web"
    assert record["website"] == "https://solidaria.example.org"
    # description.<lang>.shortDescription -> description (primary subtag of fr-FR)
    assert record["description"]["en"].startswith("Volunteer and mutual-aid management")
    assert record["description"]["fr"].startswith("Gestion des bénévoles")
    assert "it" in record["description"]
    # legal.license -> licence; developmentStatus -> status
    assert record["licence"] == "AGPL-3.0-or-later"
    assert record["status"] == "stable"
    # usedBy -> adopters; maintenance.contractors -> providers
    assert [a["name"] for a in record["adopters"]] == ["Ville de Grenoble", "Comune di Bologna"]
    assert [p["name"] for p in record["providers"]] == ["Coopérative Libre SCIC", "Studio Mutuo"]
    assert record["providers"][0]["website"] == "https://coop-libre.example.org"
    # localisation.availableLanguages -> languages (ISO 639-1 primary subtags, deduplicated; 'ast' has none)
    assert record["languages"] == ["en", "fr", "it"]


def test_validate_command_accepts_a_publiccode_file(tmp_path):
    target = tmp_path / "publiccode.yml"
    shutil.copy(DATA / "publiccode.yml", target)
    result = CliRunner().invoke(cli, ["validate", str(target)])
    assert "Traceback" not in result.output
    # A publiccode.yml has no sectors: that is not an error of the file.
    assert result.exit_code == 0, result.output


def test_publiccode_errors_name_the_publiccode_field(tmp_path):
    text = (DATA / "publiccode.yml").read_text(encoding="utf-8").replace(
        "developmentStatus: stable", "developmentStatus: production"
    )
    _, errors = load_submission_text(text, str(tmp_path / "publiccode.yml"))
    problems = [e for e in errors if "developmentStatus" in e.field or "status" in e.field]
    assert problems, errors
    error = problems[0]
    assert error.line and error.line > 1
    assert "stable" in error.message  # production -> did you mean stable?


REAL = sorted((DATA / "real").glob("*.yml"))


def test_there_are_real_publiccode_files_from_several_countries_and_versions():
    assert len(REAL) >= 7
    for path in REAL:
        assert path.read_text(encoding="utf-8").startswith("# Source: https://github.com/"), path


@pytest.mark.parametrize("path", REAL, ids=[path.stem for path in REAL])
def test_real_publiccode_files_validate(path):
    """Real files copied from public repositories (source on their first line): each is a valid
    publiccode.yml, so it must map onto a record with no error (it has no sectors: not an error)."""
    record, errors = load_submission(path)
    assert errors == [], [str(error) for error in errors]
    assert record["source"] == "publiccode" and record["name"] and record["repository"].startswith("https://")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0 and result.output.strip() == "1 file checked, 0 errors", result.output


def test_real_publiccode_facts_are_mapped():
    record, _ = load_submission(DATA / "real" / "wai-portal.yml")
    assert record["licence"] == "AGPL-3.0-or-later"
    assert [(p["name"], p["website"]) for p in record["providers"]] == [
        ("Indra Italia", "https://www.indracompany.com/en")]
    assert [a["name"] for a in record["adopters"]] == ["Agenzia per l'Italia Digitale"]
    record, _ = load_submission(DATA / "real" / "terminvergabe.yml")  # publiccodeYmlVersion: 0.4 unquoted
    assert set(record["description"]) == {"de", "en"} and record["languages"] == ["de", "en"]


def test_a_publiccode_file_listing_1200_adopters_is_accepted(tmp_path):
    """GlobaLeaks' publiccode.yml (github.com/globaleaks/GlobaLeaks, copied by many Italian
    bodies) lists about 1,200 bodies in usedBy, BCP 47 tags written with '_' and the deprecated
    SPDX id AGPL-3.0. It used to be refused ('too many items (the limit is 1000)')."""
    text = (
        "name: GlobaLeaks\npubliccodeYmlVersion: '0.2'\nurl: 'https://github.com/globaleaks/GlobaLeaks'\n"
        "legal:\n  license: AGPL-3.0\n  repoOwner: GlobaLeaks\n"
        "localisation:\n  availableLanguages: [am, crh, fa_AF, hr_HR, nb_NO, pt_BR, sr-Latn-ME, zh_CN]\n"
        "description:\n  en:\n    shortDescription: >-\n      GlobaLeaks is free, open source software\n"
        "usedBy:\n" + "".join(f"  - Comune Di Esempio {index}\n" for index in range(1200))
        + "  - Comune Di Esempio 7\n"  # the real list names some bodies twice
    )
    record, errors = load_submission_text(text, str(tmp_path / "publiccode.yml"))
    assert errors == [], [str(error) for error in errors]
    assert len(record["adopters"]) == 500  # our record keeps the first 500
    assert record["adopters"][0]["name"] == "Comune Di Esempio 0"
    assert record["languages"] == ["am", "fa", "hr", "nb", "pt", "sr", "zh"]


def test_publiccode_url_with_an_azure_devops_user_name(tmp_path):
    """italia/LavoroAgile writes the clone address Azure DevOps shows, user name included."""
    text = (DATA / "publiccode.yml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith(("url:", "landingURL:"))]
    lines.insert(1, "url: https://mteampcm@dev.azure.com/mteampcm/PCM%20-%20Lavoro%20Agile/_git/LavoroAgile")
    target = tmp_path / "publiccode.yml"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    record, errors = load_submission(target)
    assert not [e for e in errors if e.field != "sectors"], errors
    assert record["repository"] == "https://dev.azure.com/mteampcm/PCM%20-%20Lavoro%20Agile/_git/LavoroAgile"


def test_a_publiccode_file_submitted_under_its_own_name_takes_its_id_from_the_file_name(tmp_path):
    target = tmp_path / "solidaria-grenoble.yml"
    shutil.copy(DATA / "publiccode.yml", target)
    record, _ = load_submission(target)
    assert record["id"] == "solidaria-grenoble" and record["source"] == "publiccode"
    record, _ = load_submission(DATA / "publiccode.yml")
    assert record["id"] == "solidaria"  # named publiccode.yml: from its name field


def test_two_publiccode_files_with_one_name_are_told_how_to_differ(tmp_path):
    """Common names ("Whistleblowing", "EMMA") meet; renaming a publiccode.yml cannot fix it."""
    from registry.submissions import validate_paths

    text = (DATA / "publiccode.yml").read_text(encoding="utf-8")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "publiccode.yml").write_text(text, encoding="utf-8")
    other = text.replace("gitlab.example.org/Solidaria/solidaria-web.git", "gitlab.example.org/Other/solidaria.git")
    (tmp_path / "b" / "publiccode.yml").write_text(other, encoding="utf-8")
    errors = [e for e in validate_paths([tmp_path / "a" / "publiccode.yml", tmp_path / "b" / "publiccode.yml"]) if e.field != "sectors"]
    assert len(errors) == 1
    assert errors[0].field == "name" and errors[0].line == 5
    assert errors[0].message.startswith("the id 'solidaria', made from this name, is already used by ")
    assert errors[0].message.endswith("submit this file as registry/submissions/<another-id>.yml: its file name then gives the id")


def test_mapping_folds_descriptions_dedupes_adopters_and_prefers_the_publishing_organisation(tmp_path):
    """Shapes seen in real files: a | block shortDescription (italia/design-comuni-plone-theme),
    a body named twice in usedBy (Decidim, GlobaLeaks), a 0.5 organisation beside legal."""
    target = tmp_path / "publiccode.yml"
    target.write_text(
        'publiccodeYmlVersion: "0.5"\n'
        "name: Sportello\n"
        "url: https://github.com/example/sportello\n"
        "developmentStatus: stable\n"
        "organisation:\n"
        "  uri: https://www.comune.example.it\n"
        "  name: Comune di Esempio\n"
        "legal:\n"
        "  license: EUPL-1.2\n"
        "  mainCopyrightOwner: Some Vendor S.r.l.\n"
        "usedBy:\n"
        "  - Comune di Uno\n"
        "  - Comune di Due\n"
        "  - comune di  uno\n"
        "description:\n"
        "  it:\n"
        "    shortDescription: |-\n"
        "      Uno sportello conforme\n"
        "\n"
        "      alle linee guida.\n",
        encoding="utf-8",
    )
    record, errors = load_submission(target)
    assert [e for e in errors if e.field != "sectors"] == []
    assert record["description"] == {"it": "Uno sportello conforme alle linee guida."}
    assert [a["name"] for a in record["adopters"]] == ["Comune di Uno", "Comune di Due"]
    assert record["organisation"]["name"] == "Comune di Esempio"
    assert record["organisation"]["website"] == "https://www.comune.example.it"


@pytest.mark.parametrize("tag, kept", [("esp", False), ("jap", False), ("ast", True), ("fur", True), ("lld", True)])
def test_a_three_letter_language_tag_must_be_a_real_language(tmp_path, tag, kept):
    text = (DATA / "publiccode.yml").read_text(encoding="utf-8")
    target = tmp_path / "publiccode.yml"
    target.write_text(text.replace("\ndescription:\n", f"\ndescription:\n  {tag}:\n    shortDescription: Testo.\n", 1), encoding="utf-8")
    errors = [e for e in load_submission(target)[1] if e.field != "sectors"]
    if kept:
        assert errors == []
    else:
        assert [(e.field, e.message) for e in errors] == [
            (f"description.{tag}", f"unknown language tag '{tag}' (expected a BCP 47 tag such as 'en' or 'pt-BR')")]
