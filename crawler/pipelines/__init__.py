"""Item pipelines, one concern per module: licence → sector → relevance → maturity facts → dedupe → store."""


class CountingPipeline:
    """The common part of the pipelines: built from the crawler, counting in its stats.

    Without a crawler (unit tests), counting does nothing.
    """

    def __init__(self, crawler=None):
        self.stats = crawler.stats if crawler is not None else None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def count(self, key: str, n: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, n)
