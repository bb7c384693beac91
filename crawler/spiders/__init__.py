"""One spider per forge API; each crawls any instance of its type (see ``crawler/sources.yml``)."""

from __future__ import annotations


def spider_for(forge_type: str):
    """The spider class of a forge type (``github``, ``gitlab`` or ``gitea``)."""
    from crawler.spiders.gitea import GiteaSpider
    from crawler.spiders.github import GitHubSpider
    from crawler.spiders.gitlab import GitLabSpider

    return {"github": GitHubSpider, "gitlab": GitLabSpider, "gitea": GiteaSpider}[forge_type]
