"""Maturity facts: the crawler only collects the signals (``registry/maturity.py`` scores them
at build time); here the ones a forge could not give are counted, never guessed."""

from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.pipelines import CountingPipeline

SIGNALS = ("last_activity", "created_at", "releases_count", "contributors", "has_readme", "has_ci", "has_tests")


class MaturityFactsPipeline(CountingPipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("skipped_reason") or self.stats is None:
            return item
        for name in SIGNALS:
            if adapter["data"].get(name) is None:
                self.count(f"essforge/field/{name}/missing")
        return item
