"""Downloader middlewares and the progress extension of the essforge crawler.

- :class:`RateLimitMiddleware` honours ``X-RateLimit-*`` (GitHub, Gitea), ``RateLimit-*`` (GitLab),
  ``Retry-After`` and secondary limits (403/429): it waits for the reset, says so in the log, then
  retries. Nothing in Scrapy reads these headers (see ../shared/ANCHORS-STYLE.md §3.8).
- :class:`BackoffRetryMiddleware` is Scrapy's RetryMiddleware with an exponential back-off.
- :class:`ConditionalRequestMiddleware` sends ``If-None-Match`` / ``If-Modified-Since`` from the
  crawl store (not HTTPCACHE: no ``Vary`` support, and it would keep auth-dependent bodies).
- :class:`ForgeAuthMiddleware` adds the token at the last moment and removes it from the request
  as soon as the answer (or an error) comes back, so a token never reaches the scheduler, a
  Redis queue or a log.

Waiting goes through a *clock* (``time()`` and ``async sleep()``) that tests replace.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.misc import load_object

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

AUTH_HEADERS = (b"Authorization", b"PRIVATE-TOKEN")


class Clock:
    """Real time. Tests pass an object with the same two methods that never really sleeps."""

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


def get_clock(crawler: Crawler) -> Any:
    """The crawler's clock (one per crawler), from the ``ESSFORGE_CLOCK`` setting."""
    clock = getattr(crawler, "_essforge_clock", None)
    if clock is None:
        value = crawler.settings.get("ESSFORGE_CLOCK") or Clock
        if isinstance(value, str):
            value = load_object(value)
        clock = value() if isinstance(value, type) else value
        crawler._essforge_clock = clock
    return clock


def format_epoch(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def strip_credentials(request: Request) -> None:
    for name in AUTH_HEADERS:
        if name in request.headers:
            del request.headers[name]


def _header(response: Response, *names: str) -> str | None:
    for name in names:
        value = response.headers.get(name)
        if value is not None:
            return value.decode("latin-1").strip()
    return None


def _number(value: str | None) -> float | None:
    """A header's number; ``None`` for anything else, ``nan`` and ``inf`` included: a NaN wait
    compares false with every time, and blocked a host's requests for good."""
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def retry_after_seconds(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now``: delta-seconds or an HTTP date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    number = _number(value)
    if number is not None:
        return max(number, 0.0)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(when.timestamp() - now, 0.0)


def reset_epoch(value: str | None, now: float) -> float | None:
    """A reset header as an epoch: GitHub and GitLab send epoch seconds; a small number is a delta."""
    number = _number(value)
    if number is None:
        return None
    if number < 1_000_000_000:  # seconds until the reset (IETF RateLimit draft style)
        return now + number
    return number


def bucket_of(request: Request) -> tuple[str, str]:
    """GitHub's search API has its own limit (``X-RateLimit-Resource: search``)."""
    parts = urlsplit(request.url)
    host = parts.netloc.lower()
    return host, ("search" if "/search/" in parts.path else "core")


class RateLimitMiddleware:
    """Wait for rate-limit resets instead of failing or hammering the forge."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        settings = crawler.settings
        self.clock = get_clock(crawler)
        self.max_wait = settings.getfloat("ESSFORGE_RATELIMIT_MAX_WAIT", 3900.0)
        self.max_retries = settings.getint("ESSFORGE_RATELIMIT_MAX_RETRIES", 6)
        self.secondary_wait = settings.getfloat("ESSFORGE_SECONDARY_LIMIT_WAIT", 60.0)
        self.blocked: dict[tuple[str, str], float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RateLimitMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        key = bucket_of(request)
        while True:
            now = self.clock.time()
            until = max(self.blocked.get(key, 0.0), request.meta.get("essforge_not_before", 0.0))
            wait = until - now
            if wait <= 0:
                return None
            wait = min(wait, self.max_wait)
            self.stats.inc_value("essforge/ratelimit/waiting_requests")
            await self.clock.sleep(wait)
            if self.clock.time() >= until:
                return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        now = self.clock.time()
        host, bucket = key = bucket_of(request)
        remaining = _number(_header(response, "X-RateLimit-Remaining", "RateLimit-Remaining"))
        reset = reset_epoch(_header(response, "X-RateLimit-Reset", "RateLimit-Reset"), now)
        retry_after = retry_after_seconds(_header(response, "Retry-After"), now)
        resource = _header(response, "X-RateLimit-Resource")
        if resource == "search":
            key = (host, "search")
        status = response.status
        limited = status == 429 or (status == 403 and (
            remaining == 0 or retry_after is not None or b"rate limit" in response.body[:2000].lower()
        ))
        if not limited:
            if remaining == 0 and reset is not None and reset > now:
                # The last request of the window: hold the next ones until the reset.
                self._block(key, reset, now, reason="quota used up")
            return response
        self.stats.inc_value(f"essforge/ratelimit/responses/{status}")
        if retry_after is not None:
            until, reason = now + retry_after, "Retry-After"
        elif remaining == 0 and reset is not None:
            until, reason = reset, "reset"
        else:  # a secondary limit without headers: GitHub asks to wait at least a minute
            until, reason = now + self.secondary_wait, "secondary limit"
        self._block(key, max(until, now + 1.0), now, reason=reason)
        retries = request.meta.get("essforge_ratelimit_retries", 0) + 1
        if retries > self.max_retries:
            self.stats.inc_value("essforge/ratelimit/gave_up")
            logger.error("rate limit on %s: gave up %s after %d waits", host, request.url, retries - 1)
            return response
        retry = request.replace(dont_filter=True)
        strip_credentials(retry)
        retry.meta["essforge_ratelimit_retries"] = retries
        return retry

    def _block(self, key: tuple[str, str], until: float, now: float, *, reason: str) -> None:
        until = min(until, now + self.max_wait)
        if until <= self.blocked.get(key, 0.0):
            return
        self.blocked[key] = until
        host, bucket = key
        seconds = max(int(round(until - now)), 0)
        label = host if bucket == "core" else f"{host} ({bucket})"
        logger.warning("rate limit reached on %s; waiting %d s until %s (%s)", label, seconds,
                       format_epoch(until), reason)
        self.stats.inc_value("essforge/ratelimit/waits")
        self.stats.inc_value("essforge/ratelimit/wait_seconds", seconds)
        self.stats.inc_value(f"essforge/ratelimit/host/{host}")


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware (5xx, timeouts, connection resets) with an exponential back-off: the
    retried request carries ``essforge_not_before``, which :class:`RateLimitMiddleware` waits for."""

    def __init__(self, settings, clock: Any = None):
        super().__init__(settings)
        self.base = settings.getfloat("ESSFORGE_RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("ESSFORGE_RETRY_BACKOFF_MAX", 60.0)
        self.clock = clock or Clock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = cls(crawler.settings, get_clock(crawler))
        middleware.crawler = crawler
        return middleware

    def _retry(self, request: Request, reason: Any) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            strip_credentials(retry)
            times = retry.meta.get("retry_times", 1)
            delay = min(self.base * (2 ** (times - 1)), self.cap)
            retry.meta["essforge_not_before"] = self.clock.time() + delay
            self.crawler.stats.inc_value("essforge/retry/backoff_seconds", delay)
        return retry


class ConditionalRequestMiddleware:
    """Add ``If-None-Match`` / ``If-Modified-Since`` from the crawl store's ``http_state``.

    A request opts out with ``meta={"essforge_conditional": False}``. The spider saves the new
    validators together with the facts it parsed, once it has parsed them.
    """

    def __init__(self, crawler: Crawler):
        from crawler.spiders.base import FACTS_VERSION
        from crawler.store import open_store

        path = crawler.settings.get("ESSFORGE_STORE")
        if not path:
            raise NotConfigured("ESSFORGE_STORE is not set")
        self.store = open_store(path)
        self.version = FACTS_VERSION
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.method != "GET" or not request.meta.get("essforge_conditional", True):
            return None
        url = request.meta.get("essforge_url", request.url)
        state = self.store.http_state(url, self.version)
        if state is None:
            return None
        etag, last_modified = state
        if etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = etag
        if last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = last_modified
        self.stats.inc_value("essforge/conditional/sent")
        return None


class SameForgeMiddleware:
    """Requests go to the forge's API only: a next-page ``Link`` or a redirect to another host,
    scheme or port (``file:///etc/...``, ``//evil.example``, another server) is dropped, logged
    and counted (``essforge/skipped/offsite``). Scrapy's OffsiteMiddleware compares domains only,
    from ``allowed_domains``."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SameForgeMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        forge = getattr(self.crawler.spider, "forge", None)
        if forge is None:
            return None
        if not forge.on_api(request.url):
            self.stats.inc_value("essforge/skipped/offsite")
            logger.warning("%s: not following %s: it is not on the forge's API (%s)", forge.id,
                           request.url[:300], forge.api_url)
            raise IgnoreRequest(f"not on the forge's API: {request.url[:300]}")
        return None


class ForgeAuthMiddleware:
    """Send the forge's token (from the environment variable named by ``token_env``) to the
    forge's API host only, and take it off the request when the answer comes back."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._tokens: dict[str, tuple[str, str, bytes, bytes]] = {}
        crawler.signals.connect(self._spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ForgeAuthMiddleware:
        return cls(crawler)

    def _spider_opened(self, spider) -> None:
        forge = getattr(spider, "forge", None)
        if forge is None or not forge.token_env:
            return
        token = os.environ.get(forge.token_env, "").strip()
        if not token:
            logger.warning("%s: the environment variable %s is not set; crawling without a token "
                           "(much lower rate limits)", forge.id, forge.token_env)
            return
        parts = urlsplit(forge.api_url)
        if forge.type == "gitlab":
            header, value = b"PRIVATE-TOKEN", token.encode("latin-1")
        elif forge.type == "gitea":
            header, value = b"Authorization", b"token " + token.encode("latin-1")
        else:
            header, value = b"Authorization", b"Bearer " + token.encode("latin-1")
        self._tokens[forge.id] = (parts.scheme, parts.netloc.lower(), header, value)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        forge = getattr(spider, "forge", None)
        entry = self._tokens.get(forge.id) if forge is not None else None
        if entry is None:
            return None
        scheme, netloc, header, value = entry
        parts = urlsplit(request.url)
        if parts.scheme == scheme and parts.netloc.lower() == netloc:
            request.headers[header] = value
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        strip_credentials(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        strip_credentials(request)
        return None


class ProgressExtension:
    """A log line every ``ESSFORGE_PROGRESS_EVERY`` repositories, so a long crawl shows it is alive."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.every = crawler.settings.getint("ESSFORGE_PROGRESS_EVERY", 100)
        if self.every <= 0:
            raise NotConfigured("ESSFORGE_PROGRESS_EVERY is 0")
        self.count = 0
        crawler.signals.connect(self._item_scraped, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        return cls(crawler)

    def _item_scraped(self, item, response) -> None:
        self.count += 1
        if self.count % self.every:
            return
        stats = self.crawler.stats
        spider = self.crawler.spider
        logger.info(
            "%s: %d repositories (%d new, %d updated, %d unchanged), %d requests, %d answered 304",
            getattr(spider, "name", "?"), self.count,
            stats.get_value("essforge/projects/new", 0), stats.get_value("essforge/projects/updated", 0),
            stats.get_value("essforge/projects/unchanged", 0),
            stats.get_value("downloader/request_count", 0),
            stats.get_value("downloader/response_status_count/304", 0),
        )
