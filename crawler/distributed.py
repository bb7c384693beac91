"""Several crawl processes, one frontier: ``essforge crawl --redis URL`` (docs/crawler.md, "Several
machines").

The request queue and the duplicate filter live in Redis through scrapy-redis 0.9.1; this module
only adapts it (../shared/ANCHORS-STYLE.md §4):

- :class:`RedisScheduler` is scrapy-redis's scheduler without the ``spider=`` argument of the
  stats calls (deprecated since Scrapy 2.14), with our key names and our serializer.
- :class:`JsonSerializer` replaces scrapy-redis's default pickle: whoever can write to the Redis
  can then steer the crawl, but not run code in it. ``_class`` is never read back.
- :class:`Frontier` is a crawl's membership of a shared crawl. All the processes started against
  one Redis while a crawl is going on join it (one *generation*, whose keys are
  ``essforge:g<N>:<spider>:requests`` and ``...:dupefilter``); a process started after the
  last one finished starts a new generation, so a recrawl is never filtered out by the last
  crawl's fingerprints. A generation left with queued requests by killed processes is resumed.
  Live processes are kept in a sorted set (``essforge:workers``) scored by an expiry that a
  heartbeat thread moves forward.
- :class:`IdleWait` keeps a process whose queue is momentarily empty waiting a little while
  other processes are still working, since their answers may queue more requests.

Requests carry no token: ``crawler.middlewares.ForgeAuthMiddleware`` adds it after the scheduler.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.misc import load_object
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from registry.errors import EssforgeError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

STATE_KEY = "essforge:crawl"
WORKERS_KEY = "essforge:workers"
HEARTBEAT_TTL = 30.0


class RedisError(EssforgeError):
    """The Redis of ``--redis`` cannot be used. Names the server without its password."""


def public_url(url: str) -> str:
    """``url`` without user name and password (for messages, logs and the crawl store)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}"


def connect(url: str):
    import redis

    if urlsplit(url).scheme not in ("redis", "rediss", "unix"):
        raise RedisError(f"--redis: expected a redis://, rediss:// or unix:// URL, got {public_url(url)!r}")
    try:
        server = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
        server.ping()
    except (redis.RedisError, ValueError) as error:
        raise RedisError(f"--redis: cannot use {public_url(url)}: {type(error).__name__}: {error}") from None
    return server


def redis_settings(redis_url: str) -> dict[str, Any]:
    """The Scrapy settings that put the queue and the duplicate filter in Redis."""
    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "crawler.distributed.RedisScheduler",
        "DUPEFILTER_CLASS": "crawler.distributed.RedisDupeFilter",
        # Kept when a process ends: the others (or a restarted one) go on with them.
        # Frontier.leave() ends the generation when the last process finishes.
        "SCHEDULER_PERSIST": True,
        # A sorted set: Frontier's scripts count what is queued with ZCARD.
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "ESSFORGE_REDIS_GENERATION": 0,
        "ESSFORGE_REDIS_IDLE_WAIT": 10.0,
    }


def generation_prefix(generation: int) -> str:
    return f"essforge:g{generation}:"


# ------------------------------------------------------------------------------- serializer


def _encode(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"__b64__": base64.b64encode(value).decode("ascii")}
    raise TypeError(f"a request in the Redis queue holds a {type(value).__name__}, which JSON cannot carry")


def _text(value: bytes | str) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else value


def _decode(obj: dict) -> Any:
    if len(obj) == 1 and "__b64__" in obj:
        return base64.b64decode(obj["__b64__"])
    return obj


class JsonSerializer:
    """``Request.to_dict()`` as JSON (headers as a list of ``[name, [values]]`` in Latin-1, other
    bytes as ``{"__b64__": ...}``)."""

    @staticmethod
    def dumps(obj: dict) -> bytes:
        obj = dict(obj)
        obj.pop("_class", None)
        obj["headers"] = [[_text(name), [_text(v) for v in values]]
                          for name, values in (obj.get("headers") or {}).items()]
        return json.dumps(obj, default=_encode, separators=(",", ":")).encode("utf-8")

    @staticmethod
    def loads(data: bytes) -> dict:
        obj = json.loads(data, object_hook=_decode)
        obj.pop("_class", None)  # never import a class named by whoever wrote to the Redis
        obj["headers"] = {name: values for name, values in obj.get("headers") or []}
        return obj


# ------------------------------------------------------------------------------- scheduler


class RedisDupeFilter(RFPDupeFilter):
    """scrapy-redis's filter (SHA-1 of method, canonical URL and body in a Redis set), keyed by
    the generation. Headers are not part of a fingerprint: requests differ by URL here."""

    @classmethod
    def from_spider(cls, spider):
        settings = spider.settings
        prefix = generation_prefix(settings.getint("ESSFORGE_REDIS_GENERATION"))
        return cls(connect(settings.get("REDIS_URL")), key=f"{prefix}{spider.name}:dupefilter",
                   debug=settings.getbool("DUPEFILTER_DEBUG"))


class RedisScheduler(Scheduler):
    """scrapy-redis 0.9.1's scheduler, fixed for Scrapy 2.14+ (no ``spider=`` in stats calls:
    the same change as scrapy-redis master f90f76e, not released)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        settings = crawler.settings
        prefix = generation_prefix(settings.getint("ESSFORGE_REDIS_GENERATION"))
        instance = cls(
            server=connect(settings.get("REDIS_URL")),
            persist=settings.getbool("SCHEDULER_PERSIST", True),
            queue_key=f"{prefix}%(spider)s:requests",
            queue_cls="scrapy_redis.queue.PriorityQueue",
            dupefilter_key=f"{prefix}%(spider)s:dupefilter",
            dupefilter_cls=settings.get("DUPEFILTER_CLASS", "crawler.distributed.RedisDupeFilter"),
            idle_before_close=0,
            serializer=JsonSerializer,
        )
        instance.stats = crawler.stats
        return instance

    def open(self, spider) -> None:
        # scrapy-redis's open() says "Resuming crawl" through Spider.log(), deprecated in Scrapy.
        self.spider = spider
        self.queue = load_object(self.queue_cls)(server=self.server, spider=spider, key=self.queue_key,
                                                 serializer=self.serializer)
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if len(self.queue):
            logger.info("%s: %d requests already queued in Redis", spider.name, len(self.queue))

    def enqueue_request(self, request) -> bool:
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        request = self.queue.pop(0)
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


# ------------------------------------------------------------------------------- membership

# Atomic on the Redis server: join the running generation, resume one left with queued requests
# by killed processes, or start a new one (and delete the keys of the previous one).
_JOIN = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local live = redis.call('ZCARD', KEYS[2])
local gen = tonumber(redis.call('HGET', KEYS[1], 'generation') or '0')
local status = redis.call('HGET', KEYS[1], 'status')
local pending = 0
if gen > 0 then
  for _, key in ipairs(redis.call('KEYS', 'essforge:g' .. gen .. ':*:requests')) do
    pending = pending + redis.call('ZCARD', key)
  end
end
local joined = 'joined'
if gen == 0 or status ~= 'running' or (live == 0 and pending == 0) then
  if gen > 0 then
    for _, key in ipairs(redis.call('KEYS', 'essforge:g' .. gen .. ':*')) do redis.call('DEL', key) end
  end
  gen = redis.call('HINCRBY', KEYS[1], 'generation', 1)
  redis.call('HSET', KEYS[1], 'status', 'running', 'started', now)
  joined = 'new'
elseif live == 0 then
  joined = 'resumed'
end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), ARGV[1])
return {gen, joined, pending}
"""

# Leave; the last process to leave a generation with an empty queue marks it finished.
_LEAVE = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local gen = tonumber(ARGV[2])
if tonumber(redis.call('HGET', KEYS[1], 'generation') or '0') ~= gen then return 'gone' end
local pending = 0
for _, key in ipairs(redis.call('KEYS', 'essforge:g' .. gen .. ':*:requests')) do
  pending = pending + redis.call('ZCARD', key)
end
if ARGV[3] == '1' and pending == 0 and redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('HSET', KEYS[1], 'status', 'finished')
  for _, key in ipairs(redis.call('KEYS', 'essforge:g' .. gen .. ':*')) do redis.call('DEL', key) end
  return 'finished'
end
return 'running'
"""

# Other live processes that are still busy on this spider (their answers may queue requests).
_OTHERS_BUSY = """
local now = tonumber(redis.call('TIME')[1])
local busy = 0
for _, worker in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local expiry = redis.call('ZSCORE', KEYS[2], worker)
  if worker ~= ARGV[1] and expiry and tonumber(expiry) > now then busy = busy + 1 end
end
return busy
"""


class Frontier:
    """This process's membership of a shared crawl (see the module docstring)."""

    def __init__(self, redis_url: str, *, ttl: float = HEARTBEAT_TTL):
        self.url = redis_url
        self.server = connect(redis_url)
        self.worker = f"{uuid.uuid4().hex[:12]}"
        self.ttl = ttl
        self.generation = 0
        self.joined = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def run_key(self) -> str:
        """Shared by the processes of one generation in the crawl store's ``crawl_runs``."""
        return f"redis:{public_url(self.url)}:g{self.generation}"

    def join(self) -> Frontier:
        gen, joined, pending = self.server.eval(_JOIN, 2, STATE_KEY, WORKERS_KEY, self.worker, int(self.ttl))
        self.generation, self.joined = int(gen), joined.decode() if isinstance(joined, bytes) else joined
        if self.joined == "resumed":
            logger.warning("resuming shared crawl g%d left with %d queued requests", self.generation, pending)
        self._thread = threading.Thread(target=self._beat, name="essforge-redis-heartbeat", daemon=True)
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self.ttl / 3):
            try:
                now = self.server.time()[0]
                self.server.zadd(WORKERS_KEY, {self.worker: now + self.ttl})
            except Exception as error:  # noqa: BLE001 - the crawl goes on; the next beat retries
                logger.warning("redis heartbeat failed: %s", error)

    def busy_key(self, spider_name: str) -> str:
        return f"{generation_prefix(self.generation)}{spider_name}:busy"

    def set_busy(self, spider_name: str, busy: bool) -> None:
        if busy:
            self.server.sadd(self.busy_key(spider_name), self.worker)
        else:
            self.server.srem(self.busy_key(spider_name), self.worker)

    def others_busy(self, spider_name: str) -> int:
        """How many other live processes are still at work on ``spider_name``."""
        return int(self.server.eval(_OTHERS_BUSY, 2, self.busy_key(spider_name), WORKERS_KEY, self.worker))

    def leave(self, finished: bool) -> str:
        """Leave the crawl; ``finished``: this process ended normally. Returns the generation's
        status: ``finished`` (this was the last process), ``running`` or ``gone``."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        status = self.server.eval(_LEAVE, 2, STATE_KEY, WORKERS_KEY, self.worker, self.generation,
                                  "1" if finished else "0")
        return status.decode() if isinstance(status, bytes) else status


_FRONTIER: Frontier | None = None


def join(redis_url: str) -> Frontier:
    """Join (or start) the shared crawl of ``redis_url`` for this process."""
    global _FRONTIER
    _FRONTIER = Frontier(redis_url).join()
    return _FRONTIER


class IdleWait:
    """Do not close a spider whose Redis queue is empty while another process is still at work on
    it (its answers may queue more requests), for at most ``ESSFORGE_REDIS_IDLE_WAIT`` seconds
    (a process killed while busy must not hold the others for long)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.wait = crawler.settings.getfloat("ESSFORGE_REDIS_IDLE_WAIT", 10.0)
        self.idle_since: float | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IdleWait:
        return cls(crawler)

    def _name(self) -> str:
        return self.crawler.spider.name

    def spider_opened(self) -> None:
        if _FRONTIER is not None:
            _FRONTIER.set_busy(self._name(), True)

    def response_received(self) -> None:
        if self.idle_since is not None and _FRONTIER is not None:
            _FRONTIER.set_busy(self._name(), True)
        self.idle_since = None

    def spider_idle(self) -> None:
        if _FRONTIER is None:
            return
        now = time.monotonic()
        if self.idle_since is None:
            self.idle_since = now
            _FRONTIER.set_busy(self._name(), False)
        if now - self.idle_since < self.wait and _FRONTIER.others_busy(self._name()) > 0:
            raise DontCloseSpider("other crawl processes may still queue requests")

    def spider_closed(self) -> None:
        if _FRONTIER is not None:
            _FRONTIER.set_busy(self._name(), False)
