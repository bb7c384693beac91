"""Readable labels on Datasette's own pages (the analysts' side, in English): the sector facet
and ``sector_ids`` cells show the taxonomy's labels, the licence facet the licence's name. The
ids stay in the URLs and the data, so filters and links are unchanged."""

from __future__ import annotations

import json
from urllib.parse import quote

from markupsafe import Markup

from . import DATABASE
from . import data
from .i18n import family_label, maturity_label, translate

SECTOR_COLUMNS = ("sector_ids", "main_sector", "sector_id", "inferred_sector_ids")


async def _maps(datasette) -> tuple[dict, dict]:
    if DATABASE not in datasette.databases:
        return {}, {}
    try:
        return await data.sectors_by_id(datasette), await data.licences_by_id(datasette)
    except Exception:  # a database without our tables: plain ids
        return {}, {}


def _facet_label(sectors: dict, licences: dict):
    def label(column, value, default=None) -> str:
        column = str(column or "")
        text = "" if value is None else str(value)
        if column in SECTOR_COLUMNS and text in sectors:
            return sectors[text]["label_en"]
        if column in ("licence", "licence_id", "spdx_ids") and text in licences and licences[text].get("name"):
            return f"{licences[text]['name']} ({text})"
        if column == "licence_family" and text:
            return translate("en", family_label(text))
        if column == "maturity" and text:
            return translate("en", maturity_label(text))
        if default not in (None, ""):
            return str(default)
        return text

    return label


async def template_vars(datasette) -> dict:
    sectors, licences = await _maps(datasette)
    return {"essforge_label": _facet_label(sectors, licences)}


async def render_cell(value, column, table, database, datasette):
    if database != DATABASE or column not in SECTOR_COLUMNS or not isinstance(value, str) or not value:
        return None
    sectors, _ = await _maps(datasette)
    if not sectors:
        return None
    if value.startswith("["):
        try:
            ids = json.loads(value)
        except ValueError:
            return None
        if not isinstance(ids, list):
            return None
    else:
        ids = [value]
    if not all(isinstance(i, str) and i in sectors for i in ids):
        return None
    links = [
        Markup('<a href="{}" title="{}">{}</a>').format(
            datasette.urls.table(DATABASE, "projects") + "?sector_ids__arraycontains=" + quote(i, safe=""), i, sectors[i]["label_en"]
        )
        for i in ids
    ]
    return Markup(", ").join(links) if links else Markup("")

