"""Languages, message catalogs and the labels of every value shown to people.

The texts are in gettext catalogs, ``datasette/locales/<lang>/LC_MESSAGES/messages.po``, with the
English text as message id. They are compiled in memory when first used, so no binary ``.mo``
file is kept in git. The language of a page comes from its URL prefix (``/fr/…``, ``/en/…``) and
is held in a context variable while the page renders, which the Jinja ``{% trans %}`` tags and
``_()`` read. Datasette's own pages (the analysts' side) stay in English.
"""

from __future__ import annotations

import contextvars
import re
from datetime import date, datetime
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

LANGUAGES = ("en", "fr")
DEFAULT_LANGUAGE = "en"
# Each language's name in itself: the language switch shows the other language's own name.
LANGUAGE_NAMES = {"en": "English", "fr": "Français"}
LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"

_language: contextvars.ContextVar[str] = contextvars.ContextVar("essforge_language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated where it is shown."""
    return message


@lru_cache(maxsize=None)
def translations(lang: str) -> Translations:
    """The compiled catalog of ``lang`` (an empty one, so English, when there is no file)."""
    po = LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        return Translations()
    with open(po, "rb") as fp:
        catalog = read_po(fp, locale=lang, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def current_language() -> str:
    return _language.get()


def set_language(lang: str) -> contextvars.Token:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; expected one of {LANGUAGES}")
    return _language.set(lang)


def reset_language(token: contextvars.Token) -> None:
    _language.reset(token)


def gettext(message: str) -> str:
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(_language.get()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(_language.get()).npgettext(context, singular, plural, n)


_ = gettext


def translate(lang: str, message: str) -> str:
    """``message`` in ``lang``, whatever the page being rendered."""
    return translations(lang).gettext(message)


# --------------------------------------------------------------------------------------------
# Choosing a language for "/"

_ACCEPT_RE = re.compile(r"^\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


def negotiate(accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The best of our languages for an ``Accept-Language`` header (RFC 9110 §12.5.4)."""
    choices: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")[:32]):
        match = _ACCEPT_RE.match(part)
        if not match:
            continue
        tag, quality = match.group(1).lower(), match.group(2)
        try:
            q = float(quality) if quality is not None else 1.0
        except ValueError:
            continue
        if q <= 0:
            continue
        primary = tag.split("-")[0]
        if primary == "*":
            primary = default
        if primary in LANGUAGES:
            choices.append((-q, position, primary))
    return min(choices)[2] if choices else default


# --------------------------------------------------------------------------------------------
# Formatting


def parse_date(value) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def format_date(value, lang: str | None = None, format: str = "long") -> str:
    """``2026-11-23`` as "23 novembre 2026" or "November 23, 2026"; the raw value if not a date."""
    parsed = parse_date(value)
    if parsed is None:
        return "" if value is None else str(value)
    return babel_format_date(parsed, format=format, locale=lang or current_language())


def format_number(value, lang: str | None = None) -> str:
    if value is None:
        return ""
    try:
        return format_decimal(value, locale=lang or current_language())
    except (TypeError, ValueError):
        return str(value)


def country_name(code: str | None, lang: str | None = None) -> str:
    if not code:
        return ""
    return Locale.parse(lang or current_language()).territories.get(str(code).upper(), str(code))


def language_name(code: str | None, lang: str | None = None) -> str:
    if not code:
        return ""
    name = Locale.parse(lang or current_language()).languages.get(str(code).lower().replace("-", "_"))
    if not name:
        return str(code)
    return name[:1].upper() + name[1:]


# --------------------------------------------------------------------------------------------
# Labels of the registry's vocabularies. The values are the database's; the labels and the
# plain-language explanations are translated where they are shown.

LICENCE_FAMILIES = {
    "permissive": (
        N_("Permissive"),
        N_("You may use, change and share it freely, even inside software that is not free, as long as you keep the authors' names and the licence text."),
    ),
    "weak-copyleft": (
        N_("Weak copyleft"),
        N_("You may use, change and share it, and combine it with other software; if you share changed files of it, they must keep the same licence."),
    ),
    "strong-copyleft": (
        N_("Strong copyleft"),
        N_("You may use, change and share it; if you share it, changed or not, you must also share its source code under the same licence."),
    ),
    "network-copyleft": (
        N_("Network copyleft"),
        N_("You may use, change and share it; if you share it or offer a changed version as an online service, you must also share its source code under the same licence."),
    ),
    "public-domain": (
        N_("Public domain"),
        N_("You may do anything with it: the authors gave up their rights."),
    ),
    "non-free": (
        N_("Not a free licence"),
        N_("This licence limits who may use, change or share the software: it is not a free-software licence. Read it before you rely on the software."),
    ),
    "unknown": (
        N_("Licence not identified"),
        N_("essforge could not identify this licence. Read the licence file before you reuse the software."),
    ),
    "none": (
        N_("No licence found"),
        N_("No licence was found: without one, nobody may legally reuse, change or share the code. Ask the authors to add a licence."),
    ),
}

MATURITY_LEVELS = {
    "early": (
        N_("Early"),
        N_("A young project, or one with few signs of use yet. You can try it, but expect changes and missing parts."),
    ),
    "developing": (
        N_("Developing"),
        N_("Work on the project is active and it is growing, but it is not yet widely used or proven."),
    ),
    "established": (
        N_("Established"),
        N_("The project is maintained, publishes releases and has users. It is a reasonable choice for everyday use."),
    ),
    "mature": (
        N_("Mature"),
        N_("The project has been maintained for years, with regular releases, several contributors and known users."),
    ),
    "obsolete": (
        N_("Obsolete"),
        N_("The project is no longer maintained, or its authors say it should not be used any more."),
    ),
}
MATURITY_ORDER = ("mature", "established", "developing", "early", "obsolete")

STATUSES = {
    "concept": N_("Concept: an idea or a first prototype"),
    "development": N_("In development: not ready for everyday use"),
    "beta": N_("Beta: usable, still being tested"),
    "stable": N_("Stable: ready for everyday use"),
    "obsolete": N_("Obsolete: no longer maintained"),
}

LEGAL_FORMS = {
    "association": N_("Association"),
    "cooperative": N_("Cooperative"),
    "mutual": N_("Mutual"),
    "foundation": N_("Foundation"),
    "social-enterprise": N_("Social enterprise"),
    "public-body": N_("Public body"),
    "community": N_("Informal community"),
    "company": N_("Company"),
}

# Maturity signals (the ``signal`` column of ``maturity_signals``); unknown ones show their id.
SIGNALS = {
    "activity": N_("Recent activity"),
    "recent_activity": N_("Recent activity"),
    "last_activity": N_("Recent activity"),
    "releases": N_("Releases"),
    "latest_release": N_("Latest release"),
    "contributors": N_("Contributors"),
    "age": N_("Age"),
    "documentation": N_("Documentation"),
    "readme": N_("Documentation"),
    "tests": N_("Tests"),
    "ci": N_("Automatic checks"),
    "tests_ci": N_("Tests and automatic checks"),
    "tests_and_ci": N_("Tests and automatic checks"),
    "presentation": N_("Website and languages"),
    "free_licence": N_("Free licence"),
    "quality": N_("Tests and automatic checks"),
    "adopters": N_("Known users"),
    "providers": N_("Service providers"),
    "status": N_("Status declared by the authors"),
    "declared_status": N_("Status declared by the authors"),
    "archived": N_("Archived repository"),
    "licence": N_("Licence"),
    "description": N_("Description"),
    "website": N_("Website"),
}

SOURCES = {
    "submission": N_("the maintainers' file in essforge"),
    "publiccode": N_("the project's publiccode.yml file"),
    "forge": N_("the forge's public API"),
    "forge_api": N_("the forge's public API"),
    "licence_file": N_("the licence file in the repository"),
    "inference": N_("essforge's guess from the project's words"),
    "crawl": N_("the forge's public API"),
}

# Fields of ``provenance.field`` and of the project page.
FIELDS = {
    "name": N_("Name"),
    "description": N_("Description"),
    "repository_url": N_("Source code"),
    "website": N_("Website"),
    "contact": N_("Contact"),
    "licence": N_("Licence"),
    "status": N_("Status"),
    "sectors": N_("Sectors"),
    "organisation": N_("Organisation"),
    "languages": N_("Languages of the interface"),
    "audiences": N_("Made for"),
    "tags": N_("Keywords"),
    "topics": N_("Forge topics"),
    "adopters": N_("Who uses it"),
    "providers": N_("Who offers services"),
    "stars": N_("Stars"),
    "forks": N_("Forks"),
    "open_issues": N_("Open issues"),
    "contributors": N_("Contributors"),
    "releases_count": N_("Releases"),
    "latest_release": N_("Latest release"),
    "latest_release_date": N_("Latest release date"),
    "created_at": N_("Created"),
    "last_activity": N_("Last change"),
    "archived": N_("Archived"),
    "has_readme": N_("README"),
    "has_ci": N_("Automatic checks"),
    "has_tests": N_("Tests"),
}

REPOSITORY_ROLES = {"primary": N_("main repository"), "mirror": N_("mirror")}

# Facet names, in the order the search page shows them.
FACET_NAMES = {
    "sector": N_("Sector"),
    "maturity": N_("Maturity"),
    "family": N_("Licence family"),
    "licence": N_("Licence"),
    "language": N_("Language of the interface"),
    "country": N_("Country"),
    "legal_form": N_("Type of organisation"),
    "forge": N_("Forge (where the code is hosted)"),
}


def _label(table: dict, value, default=None) -> str:
    entry = table.get(value)
    if entry is None:
        return default if default is not None else ("" if value is None else str(value).replace("-", " ").replace("_", " "))
    text = entry[0] if isinstance(entry, tuple) else entry
    return gettext(text)


def family_label(value) -> str:
    return _label(LICENCE_FAMILIES, value or "none")


def family_explanation(value) -> str:
    entry = LICENCE_FAMILIES.get(value or "none")
    return gettext(entry[1]) if entry else ""


def maturity_label(value) -> str:
    return _label(MATURITY_LEVELS, value, default=gettext("Not assessed") if not value else None)


def maturity_explanation(value) -> str:
    entry = MATURITY_LEVELS.get(value)
    return gettext(entry[1]) if entry else ""


def status_label(value) -> str:
    return _label(STATUSES, value)


def legal_form_label(value) -> str:
    return _label(LEGAL_FORMS, value)


def signal_label(value) -> str:
    return _label(SIGNALS, value)


def source_label(value) -> str:
    return _label(SOURCES, value)


def field_label(value) -> str:
    return _label(FIELDS, value)


def role_label(value) -> str:
    return _label(REPOSITORY_ROLES, value)


def facet_name(value) -> str:
    return _label(FACET_NAMES, value)


def template_helpers() -> dict:
    """Functions the public templates call; each reads the page's language when called."""
    return {
        "format_date": format_date,
        "format_number": format_number,
        "country_name": country_name,
        "language_name": language_name,
        "family_label": family_label,
        "family_explanation": family_explanation,
        "maturity_label": maturity_label,
        "maturity_explanation": maturity_explanation,
        "status_label": status_label,
        "legal_form_label": legal_form_label,
        "signal_label": signal_label,
        "source_label": source_label,
        "field_label": field_label,
        "role_label": role_label,
        "facet_name": facet_name,
    }


def install(env) -> None:
    """Add ``{% trans %}`` and ``_()`` to a Jinja environment, bound to the page's language."""
    env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext)
