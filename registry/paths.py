"""Where essforge's assets live, in a git checkout or in an installed copy.

In a checkout, ``datasette/`` and ``metadata.yml`` sit at the repository root. The wheel ships
them inside the ``essforge_site`` package (see ``pyproject.toml``), because setuptools cannot
install files that live outside a package.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

REGISTRY_DIR = Path(__file__).resolve().parent
CHECKOUT_ROOT = REGISTRY_DIR.parent


@cache
def site_dir() -> Path:
    """The folder holding ``templates/``, ``plugins/``, ``static/`` and ``metadata.yml``."""
    checkout = CHECKOUT_ROOT / "datasette"
    # In an installed copy CHECKOUT_ROOT is site-packages, where "datasette" is Datasette itself
    # (it has a templates/ folder too): look for something only ours has.
    if (checkout / "plugins" / "essforge_web").is_dir():
        return checkout
    import essforge_site  # installed copy: a namespace package mapped onto datasette/

    return Path(list(essforge_site.__path__)[0]).resolve()


def metadata_path() -> Path:
    """``metadata.yml``: at the checkout root, or inside the installed site package."""
    checkout = CHECKOUT_ROOT / "metadata.yml"
    if checkout.is_file() and (CHECKOUT_ROOT / "registry" / "paths.py").is_file():
        return checkout
    return site_dir() / "metadata.yml"


def templates_dir() -> Path:
    return site_dir() / "templates"


def plugins_dir() -> Path:
    return site_dir() / "plugins"


def static_dir() -> Path:
    return site_dir() / "static"


def submissions_dir() -> Path:
    return REGISTRY_DIR / "submissions"
