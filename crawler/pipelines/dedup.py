"""Deduplication: a mirror and its original are one project, and so are the several spellings of
one repository URL. Both become rows of ``repository_aliases`` (alias → canonical URL); the
mirror's own row is kept, marked ``skipped_reason = "mirror"``, so ``essforge build`` can still
show it when its original was never crawled."""

from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.pipelines import CountingPipeline

from crawler.sources import normalise_url


class DedupPipeline(CountingPipeline):
    def process_item(self, item):
        adapter = ItemAdapter(item)
        data = adapter["data"]
        url = normalise_url(adapter["url"])
        aliases = [normalise_url(a) for a in adapter.get("aliases") or []]
        adapter["aliases"] = [a for a in dict.fromkeys(aliases) if a != url]
        if adapter.get("skipped_reason"):
            return item
        original = data.get("mirror_of")
        if data.get("mirror") and original and "://" in original:
            original = normalise_url(original)
            if original.lower() != url.lower():
                data["mirror_of"] = original
                adapter["skipped_reason"] = "mirror"
                self.count("essforge/skipped/mirror")
        return item
