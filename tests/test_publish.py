"""``essforge publish``: the bundle, its errors, and the bundle served by a plain ``datasette``
subprocess started exactly as its Dockerfile says, without essforge on the path."""

import importlib.metadata
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from registry.cli import cli
from registry.publish import serve_command
from registry.site import SETTINGS

ROOT = Path(__file__).resolve().parents[1]


def run(*args):
    return CliRunner().invoke(cli, ["publish", *map(str, args)], catch_exceptions=False)


@pytest.fixture(scope="module")
def bundle(real_registry, tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle") / "site"
    result = run("--dir", out, "--db", real_registry)
    assert result.exit_code == 0, result.output
    assert f"Wrote the bundle to {out}." in result.output
    return out


def dockerfile_cmd(bundle: Path) -> list[str]:
    lines = [line for line in (bundle / "Dockerfile").read_text().splitlines() if line.startswith("CMD ")]
    assert len(lines) == 1
    return json.loads(lines[0][len("CMD "):])


def test_bundle_holds_everything_the_site_needs(bundle):
    names = sorted(p.name for p in bundle.iterdir())
    assert names == [".dockerignore", "Dockerfile", "README.txt", "essforge.db", "inspect-data.json", "locales",
                     "metadata.yml", "plugins", "requirements.txt", "static", "templates"]
    assert (bundle / "plugins" / "essforge_web" / "pages.py").is_file()
    assert (bundle / "plugins" / "essforge.py").is_file()
    assert (bundle / "templates" / "essforge" / "home.html").is_file()
    assert (bundle / "static" / "site.css").read_bytes() == (ROOT / "datasette" / "static" / "site.css").read_bytes()
    assert (bundle / "locales" / "fr" / "LC_MESSAGES" / "messages.po").is_file()
    assert not list(bundle.rglob("__pycache__"))
    assert not (bundle / "metadata.yml").is_symlink()
    assert (bundle / "metadata.yml").read_text() == (ROOT / "metadata.yml").read_text()


def test_bundle_database_is_a_copy_of_the_registry(bundle, real_registry):
    def projects(path):
        with sqlite3.connect(path) as conn:
            return conn.execute("select id, name from projects order by id").fetchall()

    assert projects(bundle / "essforge.db") == projects(real_registry)
    inspect = json.loads((bundle / "inspect-data.json").read_text())
    assert list(inspect) == ["essforge"]
    assert inspect["essforge"]["file"] == "essforge.db"
    assert inspect["essforge"]["tables"]["projects"]["count"] == len(projects(real_registry))


def test_requirements_are_pinned_to_the_installed_versions(bundle):
    lines = [line for line in (bundle / "requirements.txt").read_text().splitlines() if not line.startswith("#")]
    pins = dict(line.split("==") for line in lines)
    for name in ("datasette", "babel", "pyyaml", "jinja2", "uvicorn"):
        assert pins[name] == importlib.metadata.version(name)
    assert "essforge" not in pins and "pip" not in pins and "setuptools" not in pins
    assert list(pins) == sorted(pins)


def test_dockerfile_serves_essforge_db_with_our_settings(bundle):
    text = (bundle / "Dockerfile").read_text()
    assert text.count("FROM python:3.11-slim") == 1
    assert "RUN pip install --no-cache-dir -r requirements.txt" in text
    command = dockerfile_cmd(bundle)
    assert command == serve_command()
    assert command[:4] == ["datasette", "serve", "--immutable", "essforge.db"]
    options = command[4:]
    pairs = {option: options[i + 1] for i, option in enumerate(options) if option.startswith("--") and option != "--setting"}
    assert pairs["--host"] == "0.0.0.0" and pairs["--port"] == "8001"
    assert pairs["--static"] == "static:static"
    assert pairs["--template-dir"] == "templates" and pairs["--plugins-dir"] == "plugins"
    settings = {options[i + 1]: options[i + 2] for i, option in enumerate(options) if option == "--setting"}
    assert settings == {name: ("on" if value is True else "off" if value is False else str(value)) for name, value in SETTINGS.items()}


def test_refuses_a_folder_that_is_not_empty(tmp_path, real_registry):
    (tmp_path / "notes.txt").write_text("mine")
    result = run("--dir", tmp_path, "--db", real_registry)
    assert result.exit_code == 1
    assert result.output == (
        f"Error: {tmp_path}: folder is not empty; choose an empty or new folder, or add --force to replace the bundle in it\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_force_replaces_the_bundle_and_keeps_other_files(bundle, tmp_path, real_registry):
    out = tmp_path / "site"
    assert run("--dir", out, "--db", real_registry).exit_code == 0
    (out / "templates" / "stale.html").write_text("old")
    (out / "notes.txt").write_text("mine")
    result = run("--dir", out, "--db", real_registry, "--force")
    assert result.exit_code == 0, result.output
    assert not (out / "templates" / "stale.html").exists()
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "Dockerfile").read_text() == (bundle / "Dockerfile").read_text()


def test_builds_the_database_when_it_is_missing(tmp_path):
    db = tmp_path / "new" / "registry.db"
    result = run("--dir", tmp_path / "site", "--db", db)
    assert result.exit_code == 0, result.output
    assert f"{db} not found: building it from the submissions first." in result.output
    assert db.is_file()
    with sqlite3.connect(tmp_path / "site" / "essforge.db") as conn:
        assert conn.execute("select count(*) from projects").fetchone()[0] == len(list((ROOT / "registry" / "submissions").glob("*.yml")))


@pytest.mark.parametrize(
    "content, message",
    [
        (b"this is not sqlite", "not a registry database: file is not a database"),
        (None, "not a registry database (no projects table); build one with `essforge build --db {db}`"),
    ],
)
def test_bad_database_is_a_clear_error(tmp_path, content, message):
    db = tmp_path / "other.db"
    if content is None:
        sqlite3.connect(db).execute("create table t (x)").connection.close()
    else:
        db.write_bytes(content)
    result = run("--dir", tmp_path / "site", "--db", db)
    assert result.exit_code == 1
    assert result.output == f"Error: {db}: {message.format(db=db)}\n"
    assert "Traceback" not in result.output


def test_dir_that_is_a_file_is_a_clear_error(tmp_path, real_registry):
    target = tmp_path / "file"
    target.write_text("x")
    result = run("--dir", target, "--db", real_registry)
    assert result.exit_code == 1
    assert result.output == f"Error: {target}: exists and is not a folder\n"


def test_publish_help():
    result = CliRunner().invoke(cli, ["publish", "--help"])
    assert result.exit_code == 0
    assert "--dir" in result.output and "--force" in result.output and "Dockerfile" in result.output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_bundle_runs_with_plain_datasette_as_the_dockerfile_says(bundle, tmp_path):
    port = free_port()
    command = dockerfile_cmd(bundle)
    assert command[0] == "datasette"
    command = [sys.executable, "-m", "datasette", *command[1:]]
    command[command.index("--host") + 1] = "127.0.0.1"
    command[command.index("--port") + 1] = str(port)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PYTHONPATH"] = str(tmp_path)  # anything but the checkout
    log = open(tmp_path / "datasette.log", "w+b")
    process = subprocess.Popen(command, cwd=bundle, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base + "/-/versions.json", timeout=2)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"datasette did not start (exit {process.poll()}):\n{log.read().decode()}")
                time.sleep(0.2)
        en = httpx.get(base + "/en/")
        fr = httpx.get(base + "/fr/")
        assert en.status_code == 200 and '<html lang="en"' in en.text
        assert fr.status_code == 200 and '<html lang="fr"' in fr.text
        projects = httpx.get(base + "/essforge/projects.json?_shape=array&_size=max").json()
        with sqlite3.connect(bundle / "essforge.db") as conn:
            ids = [row[0] for row in conn.execute("select id from projects order by id")]
        assert sorted(row["id"] for row in projects) == ids
        assert httpx.get(base + "/static/site.css").content == (bundle / "static" / "site.css").read_bytes()
        project = httpx.get(base + "/fr/projet/agorakit")
        assert project.status_code == 200 and "Agorakit" in project.text
        assert httpx.get(base + "/essforge").status_code == 200
        settings = httpx.get(base + "/-/settings.json").json()
        assert {name: settings[name] for name in SETTINGS} == SETTINGS
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
