"""The public pages: one view per page, in both languages (urls.py has the URL map).

Every view sets the page's language for the message catalogs while its template renders, and
answers with ``Content-Language``. Data is never marked safe: the templates are autoescaped, so
a name or a description holding HTML shows as text.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from datasette.utils.asgi import Response
from markupsafe import Markup

from . import SITE_NAME, data, i18n, urls
from .i18n import LANGUAGES, LANGUAGE_NAMES, gettext as _
from .submission_yaml import submission_path, submission_yaml

CACHE_CONTROL = "max-age=300"
ATOM = "http://www.w3.org/2005/Atom"
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# The example of the submit page. tests/test_public_pages.py checks that it validates.
EXAMPLE_SUBMISSION = """\
name: Solicoop
repository: https://codeberg.org/solicoop/solicoop
website: https://solicoop.example.org
description:
  en: >-
    Shared accounts and member management for small cooperatives.
  fr: >-
    Comptes partagés et gestion des membres pour les petites coopératives.
sectors: [cooperative-governance, association-management]
licence: AGPL-3.0-or-later
status: beta
organisation:
  name: Solicoop
  legal_form: cooperative
  country: FR
languages: [fr, en]
adopters:
  - name: Coopérative des Lilas
    country: FR
providers:
  - name: Hébergeurs solidaires
    website: https://hebergeurs.example.org
tags: [cooperative, members, accounting]
"""


def routes() -> list[tuple[str, object]]:
    table = [
        (r"^/$", root),
        (r"^/robots\.txt$", robots),
        (r"^/sitemap\.xml$", sitemap),
        (r"^/(?P<lang>en|fr)$", language_root),
    ]
    for lang in LANGUAGES:
        for page, view in VIEWS.items():
            table.append((urls.route_regex(page, lang), view))
    # Anything else under a language prefix is a 404 in that language, not Datasette's page.
    table.append((r"^/(?P<lang>en|fr)/.*$", not_found))
    return table


# --------------------------------------------------------------------------------------------
# Rendering


def _clean(text) -> str:
    return _CONTROL_CHARS.sub("", "" if text is None else str(text))


async def _sector_map(datasette) -> dict[str, dict]:
    return await data.sectors_by_id(datasette)


def safe_url(value) -> str | None:
    """A URL from the data as a link target only when it is http(s) or mailto: a crawled
    ``javascript:`` homepage must never become a link."""
    text = "" if value is None else str(value).strip()
    if re.match(r"^(https?://[^\s]+|mailto:[^\s]+)$", text, re.IGNORECASE):
        return text
    return None


# Languages written right to left (ISO 639-1): a text in one of them gets dir="rtl".
RTL_LANGUAGES = frozenset({"ar", "dv", "fa", "he", "ks", "ku", "ps", "sd", "ug", "ur", "yi"})


def text_attrs(text_lang, lang: str) -> Markup:
    """The ``lang`` and ``dir`` attributes of a text from the data written in ``text_lang``, shown
    on a page in ``lang``: none when they are the page's own; ``dir="auto"`` when the language is
    not known (the browser then follows the text's first strong character)."""
    code = str(text_lang or "").strip().lower()
    if not re.fullmatch(r"[a-z]{2,3}", code):
        return Markup(' dir="auto"')
    attrs = f' lang="{code}"' if code != lang else ""
    if code in RTL_LANGUAGES:
        attrs += ' dir="rtl"'
    return Markup(attrs)


def _helpers(lang: str, sectors: dict, licences: dict) -> dict:
    def url(page, id=None, query=None):
        return urls.url_for(page, lang, id, query)

    def sector_label(sector_id):
        sector = sectors.get(sector_id)
        return data.localised(sector, "label", lang) if sector else str(sector_id)

    def sector_description(sector_id):
        sector = sectors.get(sector_id)
        return data.localised(sector, "description", lang) if sector else ""

    def licence_summary(licence: dict) -> str:
        return data.localised(licence, "summary", lang)

    def description(row):
        return data.description_for(row, lang)

    return {
        "url": url,
        "sector_label": sector_label,
        "sector_description": sector_description,
        "licence_summary": licence_summary,
        "description": description,
        "json_list": data.json_list,
        "safe_url": safe_url,
        "text_attrs": lambda text_lang: text_attrs(text_lang, lang),
        **i18n.template_helpers(),
    }


async def render(datasette, request, lang, template, context, *, page=None, id=None, query=None, status=200, title=""):
    other = urls.other_language(lang)
    sectors = await _sector_map(datasette)
    licences = await data.licences_by_id(datasette)
    if page:
        alternates = {code: urls.url_for(page, code, id, query) for code in LANGUAGES}
    else:
        alternates = {code: urls.url_for("home", code) for code in LANGUAGES}
    token = i18n.set_language(lang)
    try:
        nav = [(name, urls.url_for(name, lang), name == page) for name in urls.STATIC_PAGES]
        html = await datasette.render_template(
            [f"essforge/{template}"],
            {
                "site_name": SITE_NAME,
                "lang": lang,
                "other_lang": other,
                "other_lang_name": LANGUAGE_NAMES[other],
                "switch_url": alternates[other],
                "alternates": alternates,
                "page": page,
                "nav": nav,
                "title": title,
                **_helpers(lang, sectors, licences),
                **context,
            },
            request=request,
        )
    finally:
        i18n.reset_language(token)
    return Response.html(
        html, status=status, headers={"Content-Language": lang, "Cache-Control": CACHE_CONTROL}
    )


def _lang(request) -> str:
    lang = request.url_vars.get("lang")
    return lang if lang in LANGUAGES else i18n.DEFAULT_LANGUAGE


# --------------------------------------------------------------------------------------------
# Views


async def root(request):
    """``/``: the home page in the best language for ``Accept-Language``."""
    lang = i18n.negotiate(request.headers.get("accept-language"))
    return Response.redirect(
        urls.url_for("home", lang),
        status=302,
        headers={"Vary": "Accept-Language", "Cache-Control": "private, max-age=0"},
    )


async def language_root(request):
    return Response.redirect(urls.url_for("home", _lang(request)), status=301)


async def not_found(datasette, request):
    lang = _lang(request)
    token = i18n.set_language(lang)
    try:
        title = _("Page not found")
    finally:
        i18n.reset_language(token)
    return await render(datasette, request, lang, "404.html", {}, status=404, title=title)


async def home(datasette, request):
    lang = _lang(request)
    sectors = await data.sectors(datasette)
    counts = await data.sector_counts(datasette)
    recent = await data.recent_projects(datasette)
    total = (await data.database(datasette).execute(f"select count(*) from projects p where {data.LISTED}")).first()[0]
    return await render(
        datasette, request, lang, "home.html",
        {"sectors": [s for s in sectors if counts.get(s["id"])], "counts": counts, "recent": recent, "total": total},
        page="home",
    )


def _facet_value_label(facet: str, value: str, licences: dict, sector_label) -> str:
    if value == data.UNKNOWN:
        return _("Not known")
    if facet == "sector":
        return sector_label(value)
    if facet == "maturity":
        return i18n.maturity_label(value)
    if facet == "family":
        return i18n.family_label(value)
    if facet == "licence":
        licence = licences.get(value)
        return licence["name"] if licence and licence.get("name") else value
    if facet == "language":
        return i18n.language_name(value)
    if facet == "country":
        return i18n.country_name(value)
    if facet == "legal_form":
        return i18n.legal_form_label(value)
    return value


async def _search_context(datasette, request, lang, *, fixed=None, page_name="search", page_id=None):
    search = data.Search.from_args(request.args, fixed=fixed)
    results = await data.run_search(datasette, search)
    licences = await data.licences_by_id(datasette)
    sectors = await _sector_map(datasette)
    helpers = _helpers(lang, sectors, licences)
    token = i18n.set_language(lang)
    try:
        facets = []
        for facet in results.facets:
            if fixed and facet.facet.name in fixed:
                continue
            values = []
            for value in facet.values:
                if value.selected:
                    href = urls.url_for(page_name, lang, page_id, search.params(**{facet.facet.name: None}, page=None))
                else:
                    href = urls.url_for(page_name, lang, page_id, search.params(**{facet.facet.name: value.value}, page=None))
                values.append({
                    "label": _facet_value_label(facet.facet.name, value.value, licences, helpers["sector_label"]),
                    "count": value.count,
                    "selected": value.selected,
                    "href": href,
                })
            if values or facet.timed_out:
                facets.append({
                    "name": facet.facet.name,
                    "title": i18n.facet_name(facet.facet.name),
                    "choices": values,
                    "truncated": facet.truncated,
                    "timed_out": facet.timed_out,
                })
        selected = []
        for name, value in search.selected.items():
            if fixed and name in fixed:
                continue
            selected.append({
                "title": i18n.facet_name(name),
                "label": _facet_value_label(name, value, licences, helpers["sector_label"]),
                "href": urls.url_for(page_name, lang, page_id, search.params(**{name: None}, page=None)),
            })
    finally:
        i18n.reset_language(token)

    def page_url(number):
        return urls.url_for(page_name, lang, page_id, search.params(page=number if number > 1 else None))

    hidden = [(key, value) for key, value in search.params(page=None) if key != "q" and not (fixed and key in fixed)]
    return {
        "search": search,
        "results": results,
        "facets": facets,
        "selected_filters": selected,
        "hidden": hidden,
        "prev_url": page_url(search.page - 1) if search.page > 1 else None,
        "next_url": page_url(search.page + 1) if search.page < results.pages else None,
        "first_url": page_url(1),
        "query": search.params(),
    }


async def search(datasette, request):
    lang = _lang(request)
    context = await _search_context(datasette, request, lang)
    return await render(datasette, request, lang, "search.html", context, page="search", query=context["query"])


async def sector(datasette, request):
    lang = _lang(request)
    sector_id = request.url_vars["id"]
    sectors = await _sector_map(datasette)
    if sector_id not in sectors:
        return await not_found(datasette, request)
    context = await _search_context(datasette, request, lang, fixed={"sector": sector_id}, page_name="sector", page_id=sector_id)
    context["sector"] = sectors[sector_id]
    query = [(k, v) for k, v in context["query"] if k != "sector"]
    return await render(datasette, request, lang, "sector.html", context, page="sector", id=sector_id, query=query)


async def project(datasette, request):
    lang = _lang(request)
    project_id = request.url_vars["id"]
    item = await data.project(datasette, project_id)
    if item is None:
        return await not_found(datasette, request)
    context = {
        "project": item,
        "yaml": submission_yaml(item),
        "yaml_path": submission_path(item),
    }
    return await render(datasette, request, lang, "project.html", context, page="project", id=project_id)


async def about(datasette, request):
    lang = _lang(request)
    facts = await data.about_facts(datasette)
    context = {
        "facts": facts,
        "levels": [(level, i18n.MATURITY_LEVELS[level]) for level in i18n.MATURITY_ORDER],
        "family_ids": [f for f in i18n.LICENCE_FAMILIES],
    }
    return await render(datasette, request, lang, "about.html", context, page="about")


async def submit(datasette, request):
    lang = _lang(request)
    sectors = await data.sectors(datasette)
    context = {"example": EXAMPLE_SUBMISSION, "all_sectors": sectors, "legal_forms": list(i18n.LEGAL_FORMS)}
    return await render(datasette, request, lang, "submit.html", context, page="submit")


async def analysts(datasette, request):
    lang = _lang(request)
    queries = await datasette.get_canned_queries(data.DATABASE, None)
    tables = [
        name for name in await data.database(datasette).table_names()
        if not name.startswith("projects_fts") and name not in ("build_info", "project_licences", "sqlite_stat1")
    ]
    context = {
        "queries": [{"name": name, "title": q.get("title") or name} for name, q in queries.items()],
        "tables": sorted(tables),
        "database": data.DATABASE,
    }
    return await render(datasette, request, lang, "analysts.html", context, page="analysts")


# --------------------------------------------------------------------------------------------
# Feeds, sitemap, robots


def _absolute(datasette, request, path: str) -> str:
    return datasette.absolute_url(request, path)


def _atom_date(value) -> str:
    parsed = i18n.parse_date(value)
    if parsed is None:
        return "1970-01-01T00:00:00Z"
    return datetime(parsed.year, parsed.month, parsed.day, tzinfo=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


async def feed(datasette, request):
    lang = _lang(request)
    rows = await data.newest_projects(datasette)
    sectors = await _sector_map(datasette)
    token = i18n.set_language(lang)
    try:
        ET.register_namespace("", ATOM)
        root_el = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
        ET.SubElement(root_el, f"{{{ATOM}}}title").text = _("essforge: newly listed projects")
        ET.SubElement(root_el, f"{{{ATOM}}}subtitle").text = _("Free software for the social and solidarity economy.")
        feed_url = _absolute(datasette, request, urls.url_for("feed", lang))
        ET.SubElement(root_el, f"{{{ATOM}}}id").text = feed_url
        ET.SubElement(root_el, f"{{{ATOM}}}link", {"rel": "self", "href": feed_url, "type": "application/atom+xml"})
        ET.SubElement(root_el, f"{{{ATOM}}}link", {"rel": "alternate", "href": _absolute(datasette, request, urls.url_for("home", lang)), "type": "text/html"})
        updated = max((_atom_date(r["first_listed"]) for r in rows), default=_atom_date(None))
        ET.SubElement(root_el, f"{{{ATOM}}}updated").text = updated
        author = ET.SubElement(root_el, f"{{{ATOM}}}author")
        ET.SubElement(author, f"{{{ATOM}}}name").text = SITE_NAME
        for row in rows:
            entry = ET.SubElement(root_el, f"{{{ATOM}}}entry")
            url = _absolute(datasette, request, urls.url_for("project", lang, row["id"]))
            ET.SubElement(entry, f"{{{ATOM}}}title").text = _clean(row["name"])
            ET.SubElement(entry, f"{{{ATOM}}}id").text = url
            ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": url, "type": "text/html"})
            ET.SubElement(entry, f"{{{ATOM}}}updated").text = _atom_date(row["first_listed"])
            ET.SubElement(entry, f"{{{ATOM}}}published").text = _atom_date(row["first_listed"])
            text, text_lang = data.description_for(row, lang)
            if text:
                attrs = {"type": "text"}
                if text_lang and text_lang != lang:
                    attrs["{http://www.w3.org/XML/1998/namespace}lang"] = text_lang
                ET.SubElement(entry, f"{{{ATOM}}}summary", attrs).text = _clean(text)
            for sector_id in data.json_list(row.get("sector_ids")):
                if sector_id in sectors:
                    ET.SubElement(entry, f"{{{ATOM}}}category", {"term": str(sector_id), "label": data.localised(sectors[sector_id], "label", lang)})
    finally:
        i18n.reset_language(token)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root_el, encoding="utf-8", xml_declaration=False)
    return Response(body, content_type="application/atom+xml; charset=utf-8", headers={"Cache-Control": CACHE_CONTROL})


async def sitemap(datasette, request):
    projects, sector_ids = await data.sitemap_entries(datasette)
    ET.register_namespace("", SITEMAP)
    ET.register_namespace("xhtml", XHTML)
    urlset = ET.Element(f"{{{SITEMAP}}}urlset")
    pages = [(name, None) for name in urls.STATIC_PAGES]
    pages += [("sector", sector_id) for sector_id in sector_ids]
    pages += [("project", project_id) for project_id in projects]
    for name, id in pages:
        for lang in LANGUAGES:
            url_el = ET.SubElement(urlset, f"{{{SITEMAP}}}url")
            ET.SubElement(url_el, f"{{{SITEMAP}}}loc").text = _absolute(datasette, request, urls.url_for(name, lang, id))
            for alt in LANGUAGES:
                ET.SubElement(url_el, f"{{{XHTML}}}link", {
                    "rel": "alternate", "hreflang": alt,
                    "href": _absolute(datasette, request, urls.url_for(name, alt, id)),
                })
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(urlset, encoding="utf-8", xml_declaration=False)
    return Response(body, content_type="application/xml; charset=utf-8", headers={"Cache-Control": CACHE_CONTROL})


async def robots(datasette, request):
    lines = [
        "User-agent: *",
        "Allow: /en/",
        "Allow: /fr/",
        "Allow: /static/",
        # The analysts' side (SQL, exports) is for people, not crawlers: it costs the server most.
        f"Disallow: /{data.DATABASE}",
        "Disallow: /-/",
        f"Sitemap: {_absolute(datasette, request, '/sitemap.xml')}",
        "",
    ]
    return Response.text("\n".join(lines), headers={"Cache-Control": CACHE_CONTROL})


VIEWS = {
    "home": home,
    "search": search,
    "project": project,
    "sector": sector,
    "about": about,
    "submit": submit,
    "analysts": analysts,
    "feed": feed,
}
