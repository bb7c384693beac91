"""Sectors: inferred from the topics, the description and the README with the taxonomy's
keywords in five languages, scored (``registry.taxonomy.infer_sectors``). Inferred sectors are
stored as ``inferred_sectors`` and shown as inferred; a maintainer's sectors always win."""

from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.pipelines import CountingPipeline


def crawl_texts(data: dict) -> dict[str, str]:
    texts: dict[str, str] = {}
    if data.get("description"):
        texts["description"] = data["description"]
    if data.get("name"):
        texts["name"] = data["name"].replace("-", " ").replace("_", " ")
    publiccode = data.get("publiccode") or {}
    for lang, text in (publiccode.get("description") or {}).items():
        if text:
            texts[f"publiccode_{lang}"] = text
    if data.get("readme_excerpt"):
        texts["readme"] = data["readme_excerpt"]
    return texts


class SectorPipeline(CountingPipeline):
    def process_item(self, item):
        from registry.taxonomy import infer_sectors

        adapter = ItemAdapter(item)
        if adapter.get("skipped_reason"):
            return item
        data = adapter["data"]
        topics = list(data.get("topics") or []) + list((data.get("publiccode") or {}).get("tags") or [])
        found = infer_sectors(crawl_texts(data), topics=topics, limit=3)
        data["inferred_sectors"] = [[sector, float(score)] for sector, score in found]
        if not found:
            self.count("essforge/field/sector/missing")
        return item
