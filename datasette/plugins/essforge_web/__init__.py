"""essforge's public web pages: the code behind the hooks of ``datasette/plugins/essforge.py``.

Datasette loads every ``*.py`` file of the plugins folder as a module that is not in
``sys.modules``, so a plugin file cannot import its neighbours. The code lives in this package,
which ``essforge.py`` loads by path (its ``load()``) under the name ``essforge_web``. It
depends on Datasette, Babel and PyYAML only, so that a published bundle needs nothing of essforge
but these files (``registry/publish.py``).
"""

SITE_NAME = "essforge"
DATABASE = "essforge"
