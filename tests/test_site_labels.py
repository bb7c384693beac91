"""Datasette's own pages (the analysts' side): readable labels on the sector facet and in
``sector_ids`` cells, licence and maturity facets, and an accessible base template."""

import json
import re

import pytest
import pytest_asyncio
from bs4 import BeautifulSoup

from registry.site import make_datasette
from registry.taxonomy import SECTORS

LABELS = {s.id: s.label_en for s in SECTORS}


@pytest_asyncio.fixture
async def ds(real_registry):
    datasette = make_datasette(real_registry)
    await datasette.invoke_startup()
    return datasette


async def get_html(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.text[:500])
    return BeautifulSoup(response.text, "html.parser")


def facet_items(soup, column):
    """(label, href) of each value of one facet on a table page."""
    facet = soup.select_one(f'.facet-info[data-column="{column}"]')
    assert facet is not None, f"no {column} facet"
    return [(a.get_text(strip=True), a["href"]) for a in facet.select("ul a") if "cross" not in (a.get("class") or [])]


@pytest.mark.asyncio
async def test_sector_facet_labels_come_from_the_sectors_table(ds):
    soup = await get_html(ds, "/essforge/projects")
    items = facet_items(soup, "sector_ids")
    assert len(items) >= 10
    data = await ds.client.get("/essforge/sectors.json?_shape=array&_size=max")
    labels = {row["id"]: row["label_en"] for row in data.json()}
    for label, href in items:
        sector_id = re.search(r"sector_ids__arraycontains=([^&]+)", href).group(1)
        # The label shown is the sector's English label, never its bare id; the id stays in the URL.
        assert label == labels[sector_id]
        assert label != sector_id


@pytest.mark.asyncio
async def test_selected_sector_facet_shows_its_label_and_a_named_remove_link(ds):
    soup = await get_html(ds, "/essforge/projects?sector_ids__arraycontains=mobility")
    facet = soup.select_one('.facet-info[data-column="sector_ids"]')
    selected = [li for li in facet.select("li") if li.select_one("a.cross")]
    assert selected, "the selected value has a remove link"
    assert LABELS["mobility"] in selected[0].get_text()
    assert selected[0].select_one("a.cross")["aria-label"] == f"Remove the filter {LABELS['mobility']}"


@pytest.mark.asyncio
async def test_sector_ids_cells_show_labels_linked_to_the_filter(ds):
    soup = await get_html(ds, "/essforge/projects?_size=100&_nofacet=1")
    cells = soup.select("td.col-sector_ids")
    assert cells
    rows = (await ds.client.get("/essforge/projects.json?_shape=array&_size=100&_col=sector_ids&_nofacet=1")).json()
    for cell, row in zip(cells, rows):
        ids = json.loads(row["sector_ids"])
        links = cell.select("a")
        assert [a.get_text() for a in links] == [LABELS[i] for i in ids]
        assert [a["href"] for a in links] == [f"/essforge/projects?sector_ids__arraycontains={i}" for i in ids]
    # JSON is unchanged: render_cell only changes the HTML.
    assert all(json.loads(row["sector_ids"]) for row in rows)


@pytest.mark.asyncio
async def test_licence_and_maturity_facets_work(ds):
    data = (await ds.client.get("/essforge/projects.json?_size=0")).json()
    total = data["filtered_table_rows_count"]
    licence = data["facet_results"]["licence"]["results"]
    assert licence and sum(v["count"] for v in licence) <= total
    maturity = {v["value"]: v["count"] for v in data["facet_results"]["maturity"]["results"]}
    assert sum(maturity.values()) == total
    assert set(maturity) <= {"early", "developing", "established", "mature", "obsolete"}
    soup = await get_html(ds, "/essforge/projects")
    maturity_labels = [label for label, _ in facet_items(soup, "maturity")]
    assert set(maturity_labels) <= {"Early", "Developing", "Established", "Mature", "Obsolete"}
    licence_items = facet_items(soup, "licence")
    rows = (await ds.client.get("/essforge/licences.json?_shape=array&_size=max")).json()
    names = {row["id"]: row["name"] for row in rows}
    for label, href in licence_items:
        value = re.search(r"licence=([^&]+)", href).group(1)
        if value in names and names[value]:
            assert label == f"{names[value]} ({value})"
    # Filtering by a licence through the facet link keeps only that licence.
    query = licence_items[0][1].split("?", 1)[1]
    filtered = (await ds.client.get(f"/essforge/projects.json?_shape=array&_nofacet=1&{query}")).json()
    assert filtered and len({row["licence"] for row in filtered}) == 1


@pytest.mark.asyncio
async def test_datasette_pages_have_lang_skip_link_main_and_analysts_css(ds):
    response = await ds.client.get("/essforge/projects")
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.html["lang"] == "en"
    skip = soup.select_one("a.skip-link")
    assert skip["href"] == "#main"
    assert soup.select_one("main#main") is not None
    assert '/static/analysts.css' in [link["href"] for link in soup.select('link[rel="stylesheet"]')]
    css = await ds.client.get("/static/analysts.css")
    assert css.status_code == 200 and ".skip-link" in css.text
    # Headings in order and named form controls (axe: heading-order, select-name, label).
    headings = [int(h.name[1]) for h in soup.select("main h1, main h2, main h3, main h4")]
    assert headings[0] == 1 and all(b - a <= 1 for a, b in zip(headings, headings[1:]))
    for control in soup.select("main form select, main form input[type=text]"):
        assert control.get("aria-label") or control.get("id") and soup.select_one(f'label[for="{control["id"]}"]')
