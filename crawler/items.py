"""What the spiders yield. Pipelines read and fill it through ``ItemAdapter``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RepositoryItem:
    """One repository as crawled.

    :param url: the repository's web URL as the forge gives it (normalised by the store)
    :param forge_id: the instance's id in ``sources.yml``
    :param forge_type: ``github``, ``gitlab`` or ``gitea``
    :param full_name: ``owner/name`` (``group/sub/name`` on GitLab)
    :param data: the collected facts (the ``data`` object of docs/architecture.md)
    :param skipped_reason: ``fork`` or ``excluded`` for a repository kept only as a skipped row
    :param aliases: other URL forms of the same repository (a submission's spelling, an old name)
    :param stale_fields: fields that could not be fetched this time; the store pipeline keeps
        their previously stored values instead of overwriting them with nothing
    """

    url: str
    forge_id: str
    forge_type: str
    full_name: str
    data: dict[str, Any] = field(default_factory=dict)
    skipped_reason: str | None = None
    aliases: list[str] = field(default_factory=list)
    stale_fields: list[str] = field(default_factory=list)
