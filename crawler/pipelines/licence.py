"""Licence: resolve the declarations found (forge API, licence file, manifests) into one SPDX
expression, and keep the disagreements as conflicts (``registry.licences.resolve_declarations``)."""

from __future__ import annotations

from itemadapter import ItemAdapter


class LicencePipeline:
    def __init__(self, crawler=None):
        self.stats = crawler.stats if crawler is not None else None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        if adapter.get("skipped_reason"):
            return item
        data = adapter["data"]
        declarations = [tuple(d) for d in data.get("licence_declarations") or [] if d and d[1]]
        if declarations:
            from registry.licences import resolve_declarations

            kept, conflicts = resolve_declarations(declarations)
        else:
            kept, conflicts = None, []
        data["licence"] = kept
        data["licence_conflicts"] = [list(c) for c in conflicts]
        if self.stats is not None:
            if kept is None:
                self.stats.inc_value("essforge/field/licence/missing")
            if conflicts:
                self.stats.inc_value("essforge/field/licence/conflict")
        return item
