"""Our own small exceptions. Only ``registry/cli.py`` turns them into ``click.ClickException``.

Messages never contain a token or an ``Authorization`` header: Datasette's 500 page and our logs
show ``str(exception)``.
"""

from __future__ import annotations


class EssforgeError(Exception):
    """Base class for every error a user can cause and fix."""


class SubmissionError(EssforgeError):
    """A problem in a submission file, located as ``path:line:column: field: message``."""

    def __init__(self, path: str, line: int | None, column: int | None, field: str, message: str):
        self.path = str(path)
        self.line = line
        self.column = column
        self.field = field or "(file)"
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}:{self.line or 1}:{self.column or 1}: {self.field}: {self.message}"


class SourcesError(SubmissionError):
    """A problem in ``crawler/sources.yml``, same shape as a submission error."""


class ForgeResponseError(EssforgeError):
    """A forge answered something we cannot use. Names the URL, never the token."""

    def __init__(self, url: str, status: int | None, detail: str):
        self.url = url
        self.status = status
        self.detail = detail
        super().__init__(str(self))

    def __str__(self) -> str:
        status = f" (HTTP {self.status})" if self.status is not None else ""
        return f"{self.url}{status}: {self.detail}"


class BuildError(EssforgeError):
    """The registry could not be built; the previous database is left untouched."""
