"""A small parser for the HTTP ``Link`` header (RFC 8288), as the forges send it for paging.

GitHub, GitLab and Gitea all page with ``Link: <url>; rel="next", <url>; rel="last"``. We follow
``rel="next"`` as given (never building page numbers by hand) and read counts from the page
number of ``rel="last"`` when a request asked for one item per page.
https://docs.github.com/en/rest/using-the-rest-api/using-pagination-in-the-rest-api
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

# One link-value: <URI-reference> followed by ;-separated parameters. The URI may hold commas
# and semicolons, so it is matched between its angle brackets first.
_LINK_RE = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,<]+(?:=(?:\"[^\"]*\"|[^;,<\s]*))?)*)")
_PARAM_RE = re.compile(r";\s*([^=;\s]+)\s*(?:=\s*(\"[^\"]*\"|[^;,\s]*))?")


def parse_link_header(value: str | bytes | None, base_url: str | None = None) -> dict[str, str]:
    """Map each relation type to its URL.

    :param value: the header value (several headers may be joined with ``,``)
    :param base_url: to resolve relative references against (RFC 8288 §3.1)
    :return: ``{"next": url, "last": url, ...}``; the first link wins for a repeated relation

    >>> parse_link_header('<https://x/?page=2>; rel="next", <https://x/?page=5>; rel="last"')
    {'next': 'https://x/?page=2', 'last': 'https://x/?page=5'}
    """
    if not value:
        return {}
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    links: dict[str, str] = {}
    for match in _LINK_RE.finditer(value):
        url = match.group(1).strip()
        if base_url:
            try:
                url = urljoin(base_url, url)
            except ValueError:  # '<http://[::1>': a broken link is no link, the page still counts
                continue
        for name, raw in _PARAM_RE.findall(match.group(2)):
            if name.lower() != "rel" or not raw:
                continue
            for rel in raw.strip('"').split():
                links.setdefault(rel.lower(), url)
    return links


def page_number(url: str | None, param: str = "page") -> int | None:
    """The integer value of the ``page`` query parameter of ``url``, or None."""
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get(param)
    if not values:
        return None
    try:
        number = int(values[-1])
    except ValueError:
        return None
    return number if 0 <= number < 2**63 else None


def last_page(value: str | bytes | None, param: str = "page") -> int | None:
    """The page number of ``rel="last"``: with ``per_page=1`` it is the number of items."""
    return page_number(parse_link_header(value).get("last"), param)
