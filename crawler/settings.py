"""Scrapy settings of the essforge crawler. ``crawler/cli.py`` starts from these and overrides a few.

Polite by default: a User-Agent that names us, few concurrent requests per host (AutoThrottle off:
see below),
our own rate-limit middleware, back-off on retries, conditional requests from the crawl store.
"""

from __future__ import annotations

from registry import __version__

BOT_NAME = "essforge"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = f"essforge/{__version__} (+https://essforge.org; free software index of the social and solidarity economy)"
DEFAULT_REQUEST_HEADERS = {
    "Accept": "application/json",
    "Accept-Language": "en",
}
ROBOTSTXT_OBEY = False  # APIs, not web pages; the forges' API terms and rate limits apply instead

# Concurrency: each forge instance runs in its own crawler, so these are per forge instance.
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
# A callback's output is handled by this many asyncio workers, made anew for every answer: with
# Scrapy's 100, a crawl created 100 tasks per answer (about 320,000 for 3,000 answers, a fifth of
# its CPU time), though an answer of ours yields a few requests and at most one item.
CONCURRENT_ITEMS = 4
# Scrapy checks that a generator callback returns no value by reading and parsing its source;
# its cache is keyed by the bound method, a new object for every request, so the check ran on
# every answer (about 15 % of a crawl's CPU time). Our callbacks (spiders/base.py) return none.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Hosts that ask for gentler crawling (small non-profit instances): concurrency per download slot.
DOWNLOAD_SLOTS = {
    "codeberg.org": {"concurrency": 2},
    "framagit.org": {"concurrency": 2},
    "gitlab.adullact.net": {"concurrency": 2},
}
# Scrapy's downloader, with the per-host concurrency above really applied (crawler/downloader.py).
DOWNLOADER = "crawler.downloader.Downloader"
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024

# Off: the per-host concurrency above is the politeness bound, and the forges' own rate-limit
# headers are honoured (RateLimitMiddleware). AutoThrottle spaces requests by latency / target
# concurrency, so any overhead on top of the latency lowers throughput below the concurrency
# bound, and 304 answers can raise its delay but never lower it: with it on, bench/bench_crawl.py
# measured a first crawl at 3.7 x the bound and a recrawl 2.7 x slower than the first crawl
# (2,100 repositories, 50 ms latency); off, 1.2 x the bound. Turn it on with
# ``--setting AUTOTHROTTLE_ENABLED=true`` for a forge that slows down under load.
AUTOTHROTTLE_ENABLED = False
AUTOTHROTTLE_START_DELAY = 0.0  # 304 answers never lower the delay: start low, let latency raise it
AUTOTHROTTLE_MAX_DELAY = 60.0
# AutoThrottle aims at this many requests in flight per slot; set from --concurrency by the CLI.
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0

RETRY_ENABLED = True
RETRY_TIMES = 3
# 429 and 403 are the rate-limit middleware's business (it waits for the reset, then retries).
RETRY_HTTP_CODES = [500, 502, 503, 504, 520, 522, 524, 408]
# Our answers to handle in callbacks: 304 (reuse stored facts) and the "empty repository" 404/409.
HTTPERROR_ALLOWED_CODES = [304, 404, 409]

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REDIRECT_ENABLED = True
LOG_LEVEL = "INFO"
LOGSTATS_INTERVAL = 60.0
MEMUSAGE_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.ConditionalRequestMiddleware": 560,
    # process_response runs from the highest number down: the rate-limit middleware sees a 429
    # or 403 after decompression (590) and before retries (550).
    "crawler.middlewares.RateLimitMiddleware": 585,
    # First: a request off the forge's API (a redirect elsewhere) is dropped before anything else.
    "crawler.middlewares.SameForgeMiddleware": 50,
    # Last before the download, first after it: the token is on the request only while it is
    # being sent, never in the scheduler or a Redis queue.
    "crawler.middlewares.ForgeAuthMiddleware": 890,
}

ITEM_PIPELINES = {
    "crawler.pipelines.store.KeepStalePipeline": 50,
    "crawler.pipelines.licence.LicencePipeline": 100,
    "crawler.pipelines.sector.SectorPipeline": 200,
    "crawler.pipelines.relevance.RelevancePipeline": 300,
    "crawler.pipelines.maturity.MaturityFactsPipeline": 400,
    "crawler.pipelines.dedup.DedupPipeline": 500,
    "crawler.pipelines.store.StorePipeline": 900,
}

EXTENSIONS = {
    "crawler.middlewares.ProgressExtension": 500,
}

# Memory: depth-first order keeps the queue short (a listing page's repositories are finished
# before the next page is read).
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.ScrapyPriorityQueue"
DEPTH_PRIORITY = 0

# Ours -----------------------------------------------------------------------------------------
ESSFORGE_STORE = "essforge-crawl.db"          # the crawl store (``--state``)
ESSFORGE_PROGRESS_EVERY = 100                 # a progress log line every N repositories
ESSFORGE_RETRY_BACKOFF_BASE = 1.0             # seconds before the first retry, doubled each time
ESSFORGE_RETRY_BACKOFF_MAX = 60.0
ESSFORGE_RATELIMIT_MAX_WAIT = 3900.0          # never wait longer than this for one reset (s)
ESSFORGE_RATELIMIT_MAX_RETRIES = 6            # rate-limited answers retried per request
ESSFORGE_SECONDARY_LIMIT_WAIT = 60.0          # GitHub secondary limit without Retry-After
ESSFORGE_CLOCK = "crawler.middlewares.Clock"  # an object with time() and async sleep(); tests inject one
# README contents are read only when topics and description leave the sector unclear
# ("needed"), or for every repository ("always").
ESSFORGE_README = "needed"


def build_settings(store: str, *, redis_url: str | None = None, log_level: str = "INFO",
                   **overrides):
    """The Scrapy settings of one ``essforge crawl``.

    :param store: the crawl store file (``--state``)
    :param redis_url: share the request queue and the duplicate filter of several crawl processes
        through this Redis (``--redis``); ``None`` keeps them in memory. This is the one hook
        the Redis frontier needs: it switches ``SCHEDULER`` and ``DUPEFILTER_CLASS``
        (``crawler/distributed.py``).
    :param overrides: any other setting, by name
    """
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ESSFORGE_STORE", str(store), priority="cmdline")
    settings.set("LOG_LEVEL", log_level, priority="cmdline")
    if redis_url:
        from crawler.distributed import redis_settings

        for name, value in redis_settings(redis_url).items():
            settings.set(name, value, priority="cmdline")
        settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), "crawler.distributed.IdleWait": 510},
                     priority="cmdline")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    if redis_url and "CONCURRENT_REQUESTS" not in overrides:
        # Scrapy pulls requests from the scheduler until CONCURRENT_REQUESTS are active, queued in
        # its download slots included: with one forge host per crawler, a process would hoard 16
        # requests of the shared queue while sending 4. Take only what can be sent now.
        settings.set("CONCURRENT_REQUESTS", settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN"), priority="cmdline")
    return settings
ESSFORGE_PAGE_SIZE = 0                        # items per listing page; 0 = the forge maximum
