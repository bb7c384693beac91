"""essforge's Datasette hooks: the public bilingual pages, Jinja gettext, readable labels.

- ``register_routes``: the public pages, feeds, sitemap.xml and robots.txt (``essforge_web/pages.py``);
- ``prepare_jinja2_environment``: Jinja's ``{% trans %}`` and ``_()`` bound to the page's language;
- ``extra_template_vars``: the labels Datasette's own pages show instead of bare ids (sector
  facet, licence names);
- ``render_cell``: sector names in ``sector_ids`` cells of Datasette's tables.

The code lives in the ``essforge_web`` package beside this file, loaded by path (Datasette loads a
plugin file as a module outside ``sys.modules``, so it cannot be imported normally).
``facets.py`` is the other plugin file: a self-contained facet class.
"""

import importlib
import importlib.util
import sys
from pathlib import Path

from datasette import hookimpl

PACKAGE_DIR = Path(__file__).resolve().parent / "essforge_web"
_modules: dict = {}


def load(name: str):
    """``essforge_web.<name>``, loading the package by path (see essforge_web/__init__.py).

    Called for every cell of a table page: the module is looked up once, then kept.
    """
    module = _modules.get(name)
    if module is not None:
        return module
    package = sys.modules.get("essforge_web")
    if package is None or Path(package.__file__).resolve().parent != PACKAGE_DIR:
        for key in [k for k in sys.modules if k == "essforge_web" or k.startswith("essforge_web.")]:
            del sys.modules[key]
        spec = importlib.util.spec_from_file_location(
            "essforge_web", PACKAGE_DIR / "__init__.py", submodule_search_locations=[str(PACKAGE_DIR)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules["essforge_web"] = package
        spec.loader.exec_module(package)
    module = _modules[name] = importlib.import_module(f"essforge_web.{name}")
    return module


@hookimpl
def register_routes():
    return load("pages").routes()


@hookimpl
def prepare_jinja2_environment(env):
    load("i18n").install(env)


@hookimpl
def extra_template_vars(datasette):
    async def inner():
        return await load("labels").template_vars(datasette)

    return inner


@hookimpl
def render_cell(value, column, table, database, datasette):
    # Only sector-id cells are ours; every other cell is left to Datasette at once, without a
    # coroutine: a table page has thousands of cells.
    if not value or column not in load("labels").SECTOR_COLUMNS:
        return None

    async def inner():
        return await load("labels").render_cell(value, column, table, database, datasette)

    return inner
