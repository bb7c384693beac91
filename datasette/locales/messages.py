"""The messages of the public pages, extracted from the templates and from essforge_web's
Python files: ``python datasette/locales/messages.py`` prints every message id that is missing
from a catalog, and ``--update`` adds them (empty) to each ``messages.po``.
tests/test_public_pages.py checks that every message has a French translation.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

LOCALES = Path(__file__).resolve().parent
SITE = LOCALES.parent
METHODS = [
    ("essforge/*.html", "jinja2.ext:babel_extract"),
    ("essforge_web/*.py", "python"),
]
OPTIONS = {"essforge/*.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}


def extract() -> dict[str, tuple[str, ...]]:
    """msgid (or the singular of a plural) -> the message as babel gives it, with its places."""
    messages: dict = {}
    for path in ("templates", "plugins"):
        for filename, lineno, message, comments, context in extract_from_dir(
            SITE / path, METHODS, options_map=OPTIONS, keywords=KEYWORDS
        ):
            messages.setdefault(message, []).append(f"{path}/{filename}:{lineno}")
    return messages


def catalog(lang: str):
    with open(LOCALES / lang / "LC_MESSAGES" / "messages.po", "rb") as fp:
        return read_po(fp, locale=lang)


def update() -> None:
    messages = extract()
    for lang in ("en", "fr"):
        po = LOCALES / lang / "LC_MESSAGES" / "messages.po"
        cat = catalog(lang)
        for message, places in messages.items():
            key = message[0] if isinstance(message, tuple) else message
            if key not in cat:
                cat.add(message, string=("", "") if isinstance(message, tuple) else "",
                        locations=[(p.rsplit(":", 1)[0], int(p.rsplit(":", 1)[1])) for p in places])
        with open(po, "wb") as fp:
            write_po(fp, cat, width=100, omit_header=False, sort_output=True)


if __name__ == "__main__":
    if "--update" in sys.argv:
        update()
    for lang in ("en", "fr"):
        cat = catalog(lang)
        for message in extract():
            key = message[0] if isinstance(message, tuple) else message
            if key not in cat or (lang == "fr" and not cat[key].string):
                print(f"{lang}: {key!r}")
