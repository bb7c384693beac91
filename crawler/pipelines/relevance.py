"""Relevance: a crawled repository is *listed* when it looks relevant enough to the SSE
(``registry.taxonomy.sse_relevance`` ≥ the listed threshold) or is named by a submission, and is
kept as a *candidate* for curators otherwise."""

from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.pipelines import CountingPipeline

from crawler.pipelines.sector import crawl_texts


class RelevancePipeline(CountingPipeline):
    def process_item(self, item):
        from registry.taxonomy import is_listed, sse_relevance

        adapter = ItemAdapter(item)
        if adapter.get("skipped_reason"):
            return item
        data = adapter["data"]
        score = sse_relevance(crawl_texts(data), topics=data.get("topics") or [])
        data["relevance_score"] = score
        data["relevance"] = "listed" if data.get("submitted") or is_listed(score) else "candidate"
        self.count(f"essforge/relevance/{data['relevance']}")
        return item
