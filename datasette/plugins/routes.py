"""``register_routes``: the public bilingual pages, feeds, sitemap.xml and robots.txt."""

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
