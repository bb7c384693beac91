"""Maturity facts: the crawler only collects the signals (``registry/maturity.py`` scores them
at build time); here the ones a forge could not give are counted, never guessed."""

from __future__ import annotations

from itemadapter import ItemAdapter

SIGNALS = ("last_activity", "created_at", "releases_count", "contributors", "has_readme", "has_ci", "has_tests")


class MaturityFactsPipeline:
    def __init__(self, crawler=None):
        self.stats = crawler.stats if crawler is not None else None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("skipped_reason") or self.stats is None:
            return item
        for name in SIGNALS:
            if adapter["data"].get(name) is None:
                self.stats.inc_value(f"essforge/field/{name}/missing")
        return item
