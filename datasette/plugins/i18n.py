"""Jinja gettext (``{% trans %}``, ``_()``) bound to the page's language, and the labels that
Datasette's own pages show instead of bare ids (sector facet, licence names)."""

import importlib
import importlib.util
import sys
from pathlib import Path

from datasette import hookimpl


def load(name: str):
    """``essforge_web.<name>``, loading the package by path (see essforge_web/__init__.py)."""
    package_dir = Path(__file__).resolve().parent / "essforge_web"
    package = sys.modules.get("essforge_web")
    if package is None or Path(package.__file__).resolve().parent != package_dir:
        for key in [k for k in sys.modules if k == "essforge_web" or k.startswith("essforge_web.")]:
            del sys.modules[key]
        spec = importlib.util.spec_from_file_location(
            "essforge_web", package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules["essforge_web"] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"essforge_web.{name}")


@hookimpl
def prepare_jinja2_environment(env):
    load("i18n").install(env)


@hookimpl
def extra_template_vars(datasette):
    async def inner():
        return await load("labels").template_vars(datasette)

    return inner
