"""The public URLs, in both languages. They are stable: projects and sectors are linked to and
cited, so change nothing here without redirects (docs/public-pages.md)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from .i18n import LANGUAGES

# page -> language -> path; "{id}" is a project or sector id.
PAGES: dict[str, dict[str, str]] = {
    "home": {"en": "/en/", "fr": "/fr/"},
    "search": {"en": "/en/search", "fr": "/fr/recherche"},
    "project": {"en": "/en/project/{id}", "fr": "/fr/projet/{id}"},
    "sector": {"en": "/en/sector/{id}", "fr": "/fr/secteur/{id}"},
    "about": {"en": "/en/about", "fr": "/fr/a-propos"},
    "submit": {"en": "/en/submit", "fr": "/fr/proposer"},
    "analysts": {"en": "/en/analysts", "fr": "/fr/analystes"},
    "feed": {"en": "/en/feed.atom", "fr": "/fr/feed.atom"},
}

# Pages without an id, in the order of the sitemap and of the main navigation.
STATIC_PAGES = ("home", "search", "about", "submit", "analysts")


def url_for(page: str, lang: str, id: str | None = None, query: list[tuple[str, str]] | None = None) -> str:
    path = PAGES[page][lang]
    if "{id}" in path:
        path = path.replace("{id}", quote(str(id), safe=""))
    if query:
        path += "?" + urlencode(query)
    return path


def route_regex(page: str, lang: str) -> str:
    path = PAGES[page][lang]
    regex = path.replace(".", r"\.").replace("{id}", "(?P<id>[^/]+)")
    return "^" + regex.replace(f"/{lang}/", f"/(?P<lang>{lang})/", 1) + "$"


def other_language(lang: str) -> str:
    return next(other for other in LANGUAGES if other != lang)
