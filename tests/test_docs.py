"""Everything a user can do is documented (as Datasette's and sqlite-utils' test_docs do)."""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from registry.cli import cli

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_and_a_readme_section(name):
    command = cli.commands[name]
    assert command.help, f"essforge {name} has no help text"
    assert f"### essforge {name}" in README, f"essforge {name} is missing from README.md (run: cog -r README.md)"
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output


def test_readme_command_reference_is_up_to_date():
    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", "README.md"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, "README.md is out of date: run `cog -r README.md`\n" + result.stdout + result.stderr


def test_every_python_package_is_packaged():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for top in ("registry", "crawler")
        for path in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject.toml [tool.setuptools] packages: {sorted(found - listed)}"
    assert not (ROOT / "datasette" / "__init__.py").exists(), "datasette/ must stay a plain folder: it would shadow Datasette"
