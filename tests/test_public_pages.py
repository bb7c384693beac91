"""The public bilingual pages, in process (``datasette.client``), on the real registry and on a
small registry holding a hostile project."""

import importlib.util
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit
from xml.etree import ElementTree as ET

import pytest
import pytest_asyncio
from bs4 import BeautifulSoup

from registry.build import build
from registry.site import make_datasette
from registry.submissions import load_submission, load_submission_text

ROOT = Path(__file__).resolve().parents[1]
MAX_PAGE_BYTES = 150 * 1024

PAGES = [
    ("/en/", "/fr/"),
    ("/en/search", "/fr/recherche"),
    ("/en/search?q=cooperative&page=2", "/fr/recherche?q=cooperative&page=2"),
    ("/en/project/agorakit", "/fr/projet/agorakit"),
    ("/en/sector/mobility", "/fr/secteur/mobility"),
    ("/en/about", "/fr/a-propos"),
    ("/en/submit", "/fr/proposer"),
    ("/en/analysts", "/fr/analystes"),
]

HOSTILE = """\
name: <script>alert("name")</script> Hostile Coop
repository: https://example.org/hostile/coop
website: https://example.org/hostile
description:
  fr: >-
    <img src=x onerror=alert(1)> Un outil pour l'économie sociale et solidaire, <b>gras</b>.
sectors: [platform-cooperative]
licence: MIT
tags: ["<script>alert('tag')</script>"]
organisation:
  name: <i>Evil</i> & Co
  country: FR
  legal_form: cooperative
"""


@pytest_asyncio.fixture
async def ds(real_registry):
    datasette = make_datasette(real_registry)
    await datasette.invoke_startup()
    return datasette


@pytest.fixture(scope="module")
def hostile_registry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    submissions = folder / "submissions"
    submissions.mkdir()
    shutil.copy(ROOT / "registry" / "submissions" / "agorakit.yml", submissions)
    (submissions / "hostile-coop.yml").write_text(HOSTILE, encoding="utf-8")
    path = folder / "essforge.db"
    build(path, submissions_dir=submissions, crawl_store=folder / "no-crawl.db")
    return path


@pytest_asyncio.fixture
async def hostile(hostile_registry):
    datasette = make_datasette(hostile_registry)
    await datasette.invoke_startup()
    return datasette


async def page(ds, path, status=200):
    response = await ds.client.get(path)
    assert response.status_code == status, (path, response.status_code, response.text[:800])
    return response, BeautifulSoup(response.text, "html.parser")


def rows(db_path, sql, params=()):
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


# --------------------------------------------------------------------------------------------
# Languages


@pytest.mark.asyncio
@pytest.mark.parametrize("en, fr", PAGES)
async def test_every_page_in_both_languages_with_lang_and_switch_link(ds, en, fr):
    for path, lang, other in ((en, "en", fr), (fr, "fr", en)):
        response, soup = await page(ds, path)
        assert soup.html["lang"] == lang
        assert response.headers["content-language"] == lang
        switch = soup.select_one(".lang-switch a")
        assert switch["href"] == other and switch["lang"] != lang
        assert soup.select_one("a.skip-link")["href"] == "#main"
        assert soup.select_one("main#main h1") is not None
        assert soup.select_one('nav[aria-label]') is not None
        headings = [int(h.name[1]) for h in soup.select("main h1, main h2, main h3, main h4")]
        assert headings[0] == 1 and all(b - a <= 1 for a, b in zip(headings, headings[1:])), (path, headings)
    _, en_soup = await page(ds, en)
    _, fr_soup = await page(ds, fr)
    # The two pages are really translated, not the same text under two addresses.
    assert en_soup.select_one("main h1").get_text() != fr_soup.select_one("main h1").get_text() or "project" in en


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "header, expected",
    [("fr-FR,fr;q=0.9,en;q=0.8", "/fr/"), ("en-GB,en;q=0.9", "/en/"), ("de-DE,fr;q=0.5,en;q=0.4", "/fr/"), (None, "/en/"), ("garbage;;q=x", "/en/")],
)
async def test_root_redirects_by_accept_language_and_varies(ds, header, expected):
    headers = {"Accept-Language": header} if header else {}
    response = await ds.client.get("/", headers=headers)
    assert response.status_code == 302
    assert response.headers["location"] == expected
    assert "Accept-Language" in response.headers["vary"]


@pytest.mark.asyncio
async def test_texts_come_from_the_catalogs_and_every_message_is_translated():
    spec = importlib.util.spec_from_file_location("essforge_messages", ROOT / "datasette" / "locales" / "messages.py")
    messages = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(messages)
    extracted = messages.extract()
    assert len(extracted) > 150
    fr = messages.catalog("fr")
    missing = []
    for message in extracted:
        key = message[0] if isinstance(message, tuple) else message
        entry = fr.get(key)
        if entry is None or not entry.string or (isinstance(entry.string, tuple) and not all(entry.string)):
            missing.append(key)
    assert missing == []


@pytest.mark.asyncio
async def test_description_in_another_language_is_marked_with_its_lang(hostile):
    _, soup = await page(hostile, "/en/project/hostile-coop")
    lead = soup.select_one("p.lead")
    assert lead["lang"] == "fr"
    _, soup = await page(hostile, "/fr/projet/hostile-coop")
    assert not soup.select_one("p.lead").has_attr("lang")


# --------------------------------------------------------------------------------------------
# Search, facets, paging


@pytest.mark.asyncio
async def test_search_ignores_accents_and_case(hostile):
    _, soup = await page(hostile, "/fr/recherche?q=economie")
    names = [a.get_text() for a in soup.select(".project-name a")]
    assert names == ['<script>alert("name")</script> Hostile Coop']
    _, upper = await page(hostile, "/en/search?q=%C3%89CONOMIE")
    assert [a.get_text() for a in upper.select(".project-name a")] == names


@pytest.mark.asyncio
async def test_search_on_the_real_registry_accented_or_not(ds, real_registry):
    _, plain = await page(ds, "/en/search?q=cooperative")
    _, accented = await page(ds, "/en/search?q=Coop%C3%A9rative")
    plain_ids = [a["href"] for a in plain.select(".project-name a")]
    assert plain_ids and plain_ids == [a["href"] for a in accented.select(".project-name a")]


@pytest.mark.asyncio
async def test_result_count_facets_and_labels_in_the_page_language(ds, real_registry):
    total = rows(real_registry, "select count(*) as n from projects where relevance = 'listed'")[0]["n"]
    _, soup = await page(ds, "/fr/recherche")
    assert soup.select_one("#results-heading").get_text(strip=True) == f"{total} projets trouvés"
    facet_titles = [h.get_text() for h in soup.select(".facets h3")]
    assert facet_titles[:4] == ["Secteur", "Maturité", "Famille de licence", "Licence"]
    assert "Type de structure" in facet_titles and "Pays" in facet_titles
    sector_links = soup.select('ul[aria-labelledby="facet-sector"] a')
    labels_fr = {r["id"]: r["label_fr"] for r in rows(real_registry, "select id, label_fr from sectors")}
    counts = {r["sector_id"]: r["n"] for r in rows(real_registry, "select sector_id, count(*) as n from project_sectors group by sector_id")}
    for link in sector_links:
        sector_id = link["href"].split("sector=")[1].split("&")[0]
        assert link.get_text() == labels_fr[sector_id]
        shown = int(link.parent.get_text().rsplit("(", 1)[1].rstrip(")").replace("\u202f", "").replace("\xa0", ""))
        assert shown == counts[sector_id]
    # Following a facet link narrows the results to that count, and shows a remove link.
    first = sector_links[0]
    sector_id = first["href"].split("sector=")[1].split("&")[0]
    _, narrowed = await page(ds, first["href"])
    expected = counts[sector_id]
    heading = narrowed.select_one("#results-heading").get_text(strip=True)
    assert heading.startswith(f"{expected} projet")
    assert narrowed.select_one(".selected-filters a")["href"] == "/fr/recherche"


@pytest.mark.asyncio
async def test_country_and_family_facets_filter(ds, real_registry):
    fr_count = rows(real_registry, "select count(*) as n from projects where country = 'FR' and relevance = 'listed'")[0]["n"]
    _, soup = await page(ds, "/en/search?country=FR")
    assert soup.select_one("#results-heading").get_text(strip=True) == f"{fr_count} projects found"
    assert "France" in soup.select_one(".selected-filters").get_text()
    none = rows(real_registry, "select count(*) as n from projects where coalesce(licence_family, 'none') = 'none' and relevance = 'listed'")[0]["n"]
    _, soup = await page(ds, "/en/search?family=none")
    assert soup.select_one("#results-heading").get_text(strip=True).startswith(f"{none} project")


@pytest.mark.asyncio
async def test_paging(ds, real_registry):
    total = rows(real_registry, "select count(*) as n from projects where relevance = 'listed'")[0]["n"]
    assert total > 40
    seen = []
    for number in range(1, 5):
        _, soup = await page(ds, f"/en/search?page={number}")
        seen += [a["href"] for a in soup.select(".project-name a")]
    assert len(seen) == total and len(set(seen)) == total
    _, soup = await page(ds, "/en/search?page=2")
    pager = soup.select_one("nav.pager")
    assert pager.select_one('a[rel="prev"]')["href"] == "/en/search"
    assert pager.select_one('a[rel="next"]')["href"] == "/en/search?page=3"


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "query",
    ["page=-1", "page=abc", "page=99999999999999999999", "q=" + "x" * 20000, 'q="""', "q=NEAR(a b)", "q=*", "q=a%00b",
     "sector=%3Cscript%3E", "country=" + "Z" * 5000, "q=%22&page=0", "language=fr&legal_form=cooperative&forge=github.com"],
)
async def test_bad_parameters_never_give_a_500(ds, query):
    response = await ds.client.get(f"/en/search?{query}")
    assert response.status_code == 200, response.text[:500]
    assert len(response.content) < MAX_PAGE_BYTES
    response = await ds.client.get(f"/fr/secteur/mobility?{query}")
    assert response.status_code == 200


# --------------------------------------------------------------------------------------------
# Project page


@pytest.mark.asyncio
@pytest.mark.parametrize("lang, path", [("en", "/en/project/agorakit"), ("fr", "/fr/projet/agorakit")])
async def test_project_page_explains_maturity_and_licence(ds, real_registry, lang, path):
    _, soup = await page(ds, path)
    signals = rows(
        real_registry,
        "select e.* from maturity_signals s join maturity_explanations e on e.signal = s.signal and e.value = s.value"
        " where s.project_id = 'agorakit' order by s.position",
    )
    assert signals
    table_rows = soup.select("table.signals tbody tr")
    assert len(table_rows) == len(signals)
    for tr, signal in zip(table_rows, signals):
        assert tr.select("td")[1].get_text() == signal[f"explanation_{lang}"]
    project = rows(real_registry, "select * from projects where id = 'agorakit'")[0]
    licence = rows(real_registry, "select * from licences where id = ?", (project["licence"],))[0]
    summaries = [p.get_text(strip=True) for p in soup.select(".licence-summary")]
    assert licence[f"summary_{lang}"] in summaries
    text = soup.select_one("main").get_text(" ")
    assert ("Maturity" if lang == "en" else "Maturité") in text
    assert soup.select_one('a[href="https://github.com/agorakit/agorakit"]') is not None


@pytest.mark.asyncio
async def test_project_yaml_is_a_valid_submission_with_the_same_facts(ds):
    _, soup = await page(ds, "/en/project/agorakit")
    text = soup.select_one("pre.yaml code").get_text()
    record, errors = load_submission_text(text, "registry/submissions/agorakit.yml")
    assert errors == []
    original, original_errors = load_submission(ROOT / "registry" / "submissions" / "agorakit.yml")
    assert original_errors == []
    for key in ("name", "repository", "website", "description", "sectors", "licence", "contact", "tags"):
        assert record[key] == original[key], key


@pytest.mark.asyncio
async def test_every_project_yaml_validates(ds, real_registry):
    for project in rows(real_registry, "select id from projects where relevance = 'listed'"):
        _, soup = await page(ds, f"/en/project/{project['id']}")
        text = soup.select_one("pre.yaml code").get_text()
        record, errors = load_submission_text(text, f"registry/submissions/{project['id']}.yml")
        assert errors == [], (project["id"], [str(e) for e in errors])


@pytest.mark.asyncio
async def test_submit_page_example_validates(ds):
    _, soup = await page(ds, "/fr/proposer")
    text = soup.select_one("pre.yaml code").get_text()
    record, errors = load_submission_text(text, "registry/submissions/solicoop.yml")
    assert errors == [], [str(e) for e in errors]
    assert "essforge validate registry/submissions/your-project.yml" in soup.get_text()


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/en/project/hostile-coop", "/fr/projet/hostile-coop", "/fr/recherche?q=hostile", "/en/", "/en/sector/platform-cooperative"])
async def test_hostile_project_is_shown_as_text(hostile, path):
    response, soup = await page(hostile, path)
    assert soup.select("script") == []
    assert soup.select("img") == [] and soup.select("main b") == []
    assert "<script>" not in response.text and "onerror=alert(1)>" not in response.text
    assert '<script>alert("name")</script> Hostile Coop' in soup.get_text()


@pytest.mark.asyncio
async def test_hostile_project_in_the_feed_is_escaped(hostile):
    response = await hostile.client.get("/fr/feed.atom")
    feed = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.text for e in feed.findall("a:entry/a:title", ns)]
    assert '<script>alert("name")</script> Hostile Coop' in titles
    assert b"<script>" not in response.content


# --------------------------------------------------------------------------------------------
# 404, feeds, sitemap, robots


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "path, lang, title",
    [
        ("/en/project/no-such-project", "en", "Page not found"),
        ("/fr/projet/no-such-project", "fr", "Page introuvable"),
        ("/en/sector/no-such-sector", "en", "Page not found"),
        ("/fr/secteur/no-such-sector", "fr", "Page introuvable"),
        ("/fr/nothing/here", "fr", "Page introuvable"),
        ("/en/project/%3Cscript%3E", "en", "Page not found"),
    ],
)
async def test_unknown_pages_are_real_404s_in_the_right_language(ds, path, lang, title):
    response, soup = await page(ds, path, status=404)
    assert soup.html["lang"] == lang
    assert soup.select_one("main h1").get_text() == title
    assert "<script>" not in response.text


@pytest.mark.asyncio
@pytest.mark.parametrize("lang", ["en", "fr"])
async def test_atom_feed(ds, real_registry, lang):
    response = await ds.client.get(f"/{lang}/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == lang
    entries = feed.findall("a:entry", ns)
    listed = rows(real_registry, "select count(*) as n from projects where relevance = 'listed' and first_listed is not null")[0]["n"]
    assert len(entries) == min(50, listed) and entries
    prefix = "/en/project/" if lang == "en" else "/fr/projet/"
    for entry in entries:
        assert entry.find("a:id", ns).text.startswith("http")
        assert urlsplit(entry.find("a:link", ns).get("href")).path.startswith(prefix)
        assert entry.find("a:updated", ns).text.endswith("Z")


@pytest.mark.asyncio
async def test_sitemap_lists_every_project_and_sector_in_both_languages(ds, real_registry):
    response = await ds.client.get("/sitemap.xml")
    assert response.status_code == 200
    urlset = ET.fromstring(response.content)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = {urlsplit(loc.text).path for loc in urlset.findall("s:url/s:loc", ns)}
    for project in rows(real_registry, "select id from projects where relevance = 'listed'"):
        assert f"/en/project/{project['id']}" in locs and f"/fr/projet/{project['id']}" in locs
    assert "/fr/secteur/mobility" in locs and "/en/about" in locs
    # Every URL of the sitemap answers.
    for path in sorted(locs)[:40]:
        assert (await ds.client.get(path)).status_code == 200, path


@pytest.mark.asyncio
async def test_robots_txt(ds):
    response = await ds.client.get("/robots.txt")
    assert response.status_code == 200
    lines = response.text.splitlines()
    assert "User-agent: *" in lines
    assert any(line.startswith("Sitemap: http") and line.endswith("/sitemap.xml") for line in lines)


# --------------------------------------------------------------------------------------------
# Light and private


@pytest.mark.asyncio
@pytest.mark.parametrize("path", [p for pair in PAGES for p in pair] + ["/fr/recherche?q=a"])
async def test_pages_are_light_and_load_nothing_from_elsewhere(ds, path):
    response, soup = await page(ds, path)
    assets = [el.get("href") for el in soup.select("link[href]")] + [el.get("src") for el in soup.select("[src]")]
    assert soup.select("script") == []
    for url in assets:
        assert not urlsplit(url).netloc, url
        if url.startswith("/static/") or url.endswith(".css"):
            asset = await ds.client.get(url)
            assert asset.status_code == 200
    total = len(response.content)
    for url in assets:
        if url.endswith(".css"):
            total += len((await ds.client.get(url)).content)
    assert total < MAX_PAGE_BYTES, total


# Edge cases: texts in a third or right-to-left language, no description, an organisation whose
# website is a ``javascript:`` URL (as a crawl could bring; a submission may not hold one).
EDGE = {
    "spanish-only": "name: Banco de Tiempo\nrepository: https://example.org/edge/banco\n"
                    "description:\n  es: Una herramienta para bancos de tiempo.\nsectors: [community-currency]\n"
                    "licence: LicenseRef-Banco-Propio\nstatus: obsolete\n",
    "arabic": "name: Taawun\nrepository: https://example.org/edge/taawun\n"
              "description:\n  ar: أداة لإدارة التعاونيات والجمعيات.\nsectors: [cooperative-governance]\n"
              "organisation:\n  name: تعاونية الأمل\n  country: MA\n  website: https://example.org/amal\n",
    "no-description": "name: No Description Tool\nrepository: https://example.org/edge/none\nsectors: [housing]\n",
}


@pytest.fixture(scope="module")
def edge_registry(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edge")
    submissions = folder / "submissions"
    submissions.mkdir()
    for name, text in EDGE.items():
        (submissions / f"{name}.yml").write_text(text, encoding="utf-8")
    path = folder / "essforge.db"
    build(path, submissions_dir=submissions, crawl_store=folder / "no-crawl.db")
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("update organisations set website = 'javascript:alert(1)'")
    conn.close()
    return path


@pytest_asyncio.fixture
async def edge(edge_registry):
    datasette = make_datasette(edge_registry)
    await datasette.invoke_startup()
    return datasette


@pytest.mark.asyncio
@pytest.mark.parametrize("lang, path", [("en", "/en/project/arabic"), ("fr", "/fr/projet/arabic")])
async def test_right_to_left_description_gets_lang_and_dir(edge, lang, path):
    _, soup = await page(edge, path)
    lead = soup.select_one("p.lead")
    assert lead["lang"] == "ar" and lead["dir"] == "rtl"
    assert soup.html["dir"] == "ltr" and soup.html["lang"] == lang
    # The Arabic organisation name is isolated from the Latin text around it, and its
    # javascript: website is shown as text, never as a link.
    org = soup.find("bdi", string="تعاونية الأمل")
    assert org is not None and org.parent.name == "dd" and org.find_parent("a") is None
    assert not soup.select('a[href^="javascript"]')
    _, results = await page(edge, f"/{lang}/{'search' if lang == 'en' else 'recherche'}?q=taawun")
    card = results.select_one(".project-card p")
    assert card["lang"] == "ar" and card["dir"] == "rtl"


@pytest.mark.asyncio
async def test_third_language_description_obsolete_status_and_licenceref(edge):
    _, soup = await page(edge, "/en/project/spanish-only")
    lead = soup.select_one("p.lead")
    assert lead["lang"] == "es" and not lead.has_attr("dir")
    text = soup.get_text(" ")
    assert "This description exists only in another language." in text
    assert "Banco-Propio" in soup.select_one("#licence-heading").get_text()
    assert "Obsolete" in text or "obsolete" in text


@pytest.mark.asyncio
async def test_project_without_description_says_so(edge):
    _, soup = await page(edge, "/fr/projet/no-description")
    assert soup.select_one("p.lead") is None
    assert "Not known" not in soup.get_text()  # the French page speaks French
    _, soup = await page(edge, "/en/project/no-description")
    assert "The project has no description yet." in soup.get_text()


def test_text_attrs_for_data_in_any_language():
    from essforge_site.plugins.essforge_web.pages import text_attrs

    assert text_attrs("en", "en") == ""
    assert text_attrs("es", "en") == ' lang="es"'
    assert text_attrs("ar", "fr") == ' lang="ar" dir="rtl"'
    assert text_attrs("he", "en") == ' lang="he" dir="rtl"'
    assert text_attrs(None, "en") == ' dir="auto"'
    assert text_attrs('x" onclick="y', "en") == ' dir="auto"'


def test_analysts_css_keeps_table_links_underlined_and_long_cells_wrapping():
    css = (ROOT / "datasette" / "static" / "analysts.css").read_text(encoding="utf-8")
    assert "table a:link,\ntable a:visited {\n  text-decoration: underline;" in css
    assert "pre#sql-query {\n  white-space: pre-wrap;" in css
    foot = (ROOT / "datasette" / "templates" / "_codemirror_foot.html").read_text(encoding="utf-8")
    assert '{% include "default:_codemirror_foot.html" %}' in foot and "aria-label" in foot
