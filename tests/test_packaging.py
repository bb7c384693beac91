"""The installed copy (a wheel, not the checkout) finds its site files, metadata and data."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_listed():
    listed = set(PYPROJECT["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("registry", "crawler")
        for p in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, found - listed
    # datasette/ must never be a regular package: it would shadow Datasette itself.
    assert not (ROOT / "datasette" / "__init__.py").exists()


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from this checkout, installed (without dependencies) into a folder."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    wheel = next(out.glob("essforge-*.whl"))
    target = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    # In a real site-packages Datasette sits beside us, with its own datasette/templates folder.
    (target / "datasette" / "templates").mkdir(parents=True)
    return wheel, target


def test_wheel_ships_site_files_data_and_schema(installed):
    wheel, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "essforge_site/metadata.yml",
        "essforge_site/templates/base.html",
        "essforge_site/plugins/essforge.py",
        "essforge_site/plugins/facets.py",
        "essforge_site/plugins/essforge_web/pages.py",
        "essforge_site/static/site.css",
        "essforge_site/locales/fr/LC_MESSAGES/messages.po",
        "registry/schema/submission.schema.json",
        "registry/taxonomy.yml",
        "registry/submissions/agorakit.yml",
        "crawler/sources.yml",
    ):
        assert needed in names, needed
    assert not any(name.startswith("datasette/") for name in names)


def test_installed_copy_finds_its_own_site_files_not_datasettes(installed, tmp_path):
    _, target = installed
    # site-packages also holds Datasette's own "datasette" package, with a templates/ folder.
    code = (
        "from registry import paths;"
        "print(paths.site_dir()); print(paths.metadata_path()); print(paths.submissions_dir())"
    )
    env = {"PYTHONPATH": f"{target}:{':'.join(p for p in sys.path if 'site-packages' in p)}", "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    site, metadata, submissions = (Path(line) for line in result.stdout.split())
    assert site == (target / "essforge_site").resolve()
    assert metadata == site / "metadata.yml" and metadata.is_file()
    assert (site / "templates" / "essforge").is_dir() and (site / "plugins" / "essforge_web").is_dir()
    assert submissions == (target / "registry" / "submissions").resolve()
