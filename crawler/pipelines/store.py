"""Store: batched writes of each repository, its aliases and a dated history snapshot into the
crawl store (``crawler/store.py``), counting projects new, updated and unchanged."""

from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.store import open_store


class StorePipeline:
    def __init__(self, crawler):
        self.crawler = crawler
        self.store = open_store(crawler.settings.get("ESSFORGE_STORE"))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        store = self.store
        url = adapter["url"]
        data = dict(adapter["data"])
        skipped = adapter.get("skipped_reason")
        if skipped == "mirror":
            store.set_alias(url, data["mirror_of"])
        elif not skipped:
            # This URL is canonical again (e.g. a mirror promoted to an original).
            if store.alias_target(url):
                store.set_alias(url, None)
        for alias in adapter.get("aliases") or []:
            store.set_alias(alias, url)
        # Aliases live in repository_aliases only: putting them in ``data`` would make the content
        # hash depend on the order in which a mirror and its original were crawled.
        status = store.put_repository(url, forge_id=adapter["forge_id"], forge_type=adapter["forge_type"],
                                      full_name=adapter["full_name"], data=data, skipped_reason=skipped)
        self.crawler.stats.inc_value(f"essforge/projects/{status}")
        return item


class KeepStalePipeline:
    """First pipeline: when a step failed this time (after its retries), put back what the
    previous crawl knew for its fields, so the pipelines after it work on whole facts and a
    fault never erases a stored fact."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.store = open_store(crawler.settings.get("ESSFORGE_STORE"))

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        stale = adapter.get("stale_fields") or []
        if not stale or adapter.get("skipped_reason"):
            return item
        old = self.store.repository(adapter["url"])
        if old:
            for name in stale:
                if name in old["data"]:
                    adapter["data"][name] = old["data"][name]
        self.crawler.stats.inc_value("essforge/stale_fields", len(stale))
        return item
