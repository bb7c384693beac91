"""Relevance: a crawled repository is *listed* when it looks relevant enough to the SSE
(``registry.taxonomy.sse_relevance`` ≥ the listed threshold) or is named by a submission, and is
kept as a *candidate* for curators otherwise."""

from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.pipelines.sector import crawl_texts


class RelevancePipeline:
    def __init__(self, crawler=None):
        self.stats = crawler.stats if crawler is not None else None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        from registry.taxonomy import is_listed, sse_relevance

        adapter = ItemAdapter(item)
        if adapter.get("skipped_reason"):
            return item
        data = adapter["data"]
        score = sse_relevance(crawl_texts(data), topics=data.get("topics") or [])
        data["relevance_score"] = score
        data["relevance"] = "listed" if data.get("submitted") or is_listed(score) else "candidate"
        if self.stats is not None:
            self.stats.inc_value(f"essforge/relevance/{data['relevance']}")
        return item
