import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORGE_FIXTURES = ROOT / "tests" / "data" / "forges"  # real recorded answers, see its README.md


def pytest_configure(config):
    # Datasette and sqlite-utils skip the plugins installed on the machine while this is set.
    sys._called_from_test = True


def pytest_unconfigure(config):
    if hasattr(sys, "_called_from_test"):
        del sys._called_from_test


@pytest.fixture(scope="session")
def real_registry(tmp_path_factory):
    """The registry built by our own build code from the shipped submissions (no crawl)."""
    from registry.build import build

    path = tmp_path_factory.mktemp("registry") / "essforge.db"
    build(path, crawl_store=path.with_name("no-crawl.db"))
    return path
