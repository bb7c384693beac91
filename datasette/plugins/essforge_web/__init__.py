"""essforge's public web pages: the code behind the thin plugin files in ``datasette/plugins/``.

Datasette loads every ``*.py`` file of the plugins folder as a separate module that is not in
``sys.modules``, so plugins cannot import each other. The shared code lives in this package, which
the plugin files load by path (``load()`` in each of them) under the name ``essforge_web``. It
depends on Datasette, Babel and PyYAML only, so that a published bundle needs nothing of essforge
but these files (``registry/publish.py``).
"""

SITE_NAME = "essforge"
DATABASE = "essforge"
