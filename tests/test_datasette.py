"""Datasette's own pages on the real registry, in process (``datasette.client``)."""

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


async def get_json(ds, path):
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.text[:500])
    return response.json()


@pytest.mark.asyncio
async def test_database_is_published_as_essforge_whatever_the_file(ds):
    assert "essforge" in ds.databases
    data = await get_json(ds, "/-/databases.json")
    assert [d["name"] for d in data if not d["name"].startswith("_")] == ["essforge"]


@pytest.mark.asyncio
async def test_registry_lists_at_least_60_real_projects_across_sectors_and_forges(ds):
    rows = await get_json(ds, "/essforge.json?sql=select count(*) as n, count(distinct forge) as forges, count(distinct country) as countries from projects&_shape=array")
    assert rows[0]["n"] >= 60
    assert rows[0]["forges"] >= 4
    assert rows[0]["countries"] >= 5
    sectors = await get_json(ds, "/essforge.json?sql=select count(distinct sector_id) as n from project_sectors&_shape=array")
    assert sectors[0]["n"] >= 10


@pytest.mark.asyncio
async def test_projects_table_has_the_three_default_facets(ds):
    data = await get_json(ds, "/essforge/projects.json?_size=0")
    facets = data["facet_results"]
    assert set(facets) == {"licence", "sector_ids", "maturity"}
    total = data["filtered_table_rows_count"]
    maturity_total = sum(item["count"] for item in facets["maturity"]["results"])
    assert maturity_total == total
    sector_values = {item["value"] for item in facets["sector_ids"]["results"]}
    assert sector_values <= set(LABELS) and len(sector_values) >= 10
    assert data["suggested_facets"] == []


@pytest.mark.asyncio
async def test_sector_facet_shows_readable_labels_not_ids(ds):
    response = await ds.client.get("/essforge/projects")
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    facet_text = " ".join(el.get_text(" ", strip=True) for el in soup.select(".facet-info"))
    assert "Platform cooperatives" in facet_text or LABELS["platform-cooperative"] in facet_text
    assert LABELS["mobility"] in facet_text
    # The id is still the filter value in the link, so URLs stay stable.
    links = [a["href"] for a in soup.select(".facet-info a") if "sector_ids__arraycontains" in a.get("href", "")]
    assert any("sector_ids__arraycontains=mobility" in href for href in links)


@pytest.mark.asyncio
async def test_facet_filter_by_sector_keeps_only_that_sector(ds):
    data = await get_json(ds, "/essforge/projects.json?sector_ids__arraycontains=mobility&_shape=objects&_size=max&_nofacet=1")
    assert data["rows"] and all("mobility" in row["sector_ids"] for row in data["rows"])


@pytest.mark.asyncio
async def test_search_ignores_accents_and_case(ds):
    plain = await get_json(ds, "/essforge/projects.json?_search=cooperative&_shape=array&_nofacet=1")
    accented = await get_json(ds, "/essforge/projects.json?_search=Coop%C3%A9rative&_shape=array&_nofacet=1")
    assert plain and {r["id"] for r in plain} == {r["id"] for r in accented}


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "query, columns",
    [
        ("projects_per_sector_and_licence_family", ["sector_id", "sector", "secteur", "licence_family", "projects"]),
        ("projects_without_licence", ["id", "name", "repository_url", "organisation_name", "last_checked"]),
        ("adopters_by_country", ["country", "adopters", "projects"]),
        ("most_recently_active", ["id", "name", "last_activity", "maturity", "licence", "repository_url"]),
    ],
)
async def test_canned_queries_run(ds, query, columns):
    data = await get_json(ds, f"/essforge/{query}.json")
    assert data["columns"] == columns
    assert data["ok"] is True if "ok" in data else True


@pytest.mark.asyncio
async def test_projects_per_sector_counts_match_join_table(ds):
    rows = await get_json(ds, "/essforge/projects_per_sector_and_licence_family.json?_shape=array")
    total = await get_json(ds, "/essforge.json?sql=select count(*) as n from project_sectors&_shape=array")
    assert sum(r["projects"] for r in rows) == total[0]["n"]
    assert {r["licence_family"] for r in rows} <= {"permissive", "weak-copyleft", "strong-copyleft", "network-copyleft", "non-free", "unknown", "none", "public-domain"}


@pytest.mark.asyncio
async def test_search_canned_query(ds):
    rows = await get_json(ds, "/essforge/search_projects.json?q=economie&_shape=array")
    assert isinstance(rows, list)
    rows = await get_json(ds, "/essforge/search_projects.json?q=d%C3%A9mocratie&_shape=array")
    rows_plain = await get_json(ds, "/essforge/search_projects.json?q=democratie&_shape=array")
    assert rows and [r["id"] for r in rows] == [r["id"] for r in rows_plain]


@pytest.mark.asyncio
async def test_csv_export(ds):
    response = await ds.client.get("/essforge/projects.csv?_size=5&_col=name&_col=licence")
    assert response.status_code == 200
    assert response.text.splitlines()[0] == "id,name,licence"


@pytest.mark.asyncio
@pytest.mark.parametrize("query", ["", "_search=cooperative", "licence_family=network-copyleft"])
async def test_fast_sector_facet_counts_like_datasettes_array_facet(ds, query):
    """Our array_unique facet (datasette/plugins/facets.py) gives the counts of Datasette's own."""
    ours = await get_json(ds, f"/essforge/projects.json?{query}&_facet_size=max")
    theirs = await get_json(ds, f"/essforge/projects.json?{query}&_facet_array=sector_ids&_facet_size=max")
    fast = {r["value"]: r["count"] for r in ours["facet_results"]["sector_ids"]["results"]}
    builtin_key = next(k for k, v in theirs["facet_results"].items() if v["name"] == "sector_ids" and k != "sector_ids")
    builtin = {r["value"]: r["count"] for r in theirs["facet_results"][builtin_key]["results"]}
    assert fast and fast == builtin
    assert "sector_ids" in ours["facet_results"]  # a facet that timed out is left out


@pytest.mark.asyncio
async def test_sector_ids_never_repeat_within_a_project(ds):
    """The fast facet relies on it."""
    rows = await get_json(
        ds,
        "/essforge.json?sql=select count(*) as n from projects p join json_each(p.sector_ids) j "
        "group by p.id, j.value having count(*) > 1&_shape=array",
    )
    assert rows == []


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/essforge/projects_without_licence", "/essforge?sql=select+id+from+projects"])
async def test_query_results_can_be_scrolled_from_the_keyboard_and_the_editor_is_named(ds, path):
    # A long value makes the results scroll sideways: the region takes the focus (axe:
    # scrollable-region-focusable); CodeMirror's text area gets a name (axe: label).
    response = await ds.client.get(path)
    assert response.status_code == 200
    assert '<div class="table-wrapper" tabindex="0" role="region" aria-label="Query results">' in response.text
    if "sql=" in path:
        assert 'getInputField().setAttribute("aria-label", "SQL query")' in response.text
        assert "CodeMirror.fromTextArea" in response.text  # Datasette's own script is still there


@pytest.mark.asyncio
async def test_maturity_signals_explained_canned_query(ds):
    some = await get_json(ds, "/essforge.json?sql=select project_id, count(*) as n from maturity_signals group by project_id limit 1&_shape=array")
    pid, count = some[0]["project_id"], some[0]["n"]
    rows = await get_json(ds, f"/essforge/maturity_signals_explained.json?project_id={pid}&_shape=array")
    assert len(rows) == count
    assert all(r["explanation_en"] and r["explanation_fr"] and r["explanation_en"] != r["explanation_fr"] for r in rows)
    assert await get_json(ds, "/essforge/maturity_signals_explained.json?project_id=no-such-project&_shape=array") == []
