"""Scrapy's downloader with its per-host concurrency bound kept (settings.DOWNLOADER).

Scrapy 2.14 to 2.19, on the asyncio reactor (AsyncCrawlerProcess), start each download from
``Downloader._process_queue`` as an asyncio task, and the task adds the request to the slot's
``transferring`` set only when it starts running. The loop ``while slot.queue and
slot.free_transfer_slots() > 0`` therefore sees the slot still free and starts every queued
request at once: ``CONCURRENT_REQUESTS_PER_DOMAIN`` and the ``DOWNLOAD_SLOTS`` concurrency of
small forges were not applied. bench/bench_crawl.py saw 42 requests in flight on the fake forge
with ``--concurrency 1``; tests/test_crawler.py checks the bound.

The fix counts a request as transferring from the moment it is scheduled. ``_download`` adds it
again (a set) and removes it when the download ends, as before.
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader import Downloader as ScrapyDownloader


class Downloader(ScrapyDownloader):
    def _wait_for_download(self, slot: Any, request: Any, queue_dfd: Any) -> Any:
        slot.transferring.add(request)  # at once, not when the task starts: see the module docstring
        return super()._wait_for_download(slot, request, queue_dfd)
