"""publiccode.yml files are accepted by `essforge validate` and mapped onto the submission model."""

import shutil
from pathlib import Path

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
