"""Licence: resolve the declarations found (forge API, licence file, manifests) into one SPDX
expression, and keep the disagreements as conflicts (``registry.licences.resolve_declarations``)."""

from __future__ import annotations

from itemadapter import ItemAdapter

from crawler.pipelines import CountingPipeline


class LicencePipeline(CountingPipeline):
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
        if kept is None:
            self.count("essforge/field/licence/missing")
        if conflicts:
            self.count("essforge/field/licence/conflict")
        return item
