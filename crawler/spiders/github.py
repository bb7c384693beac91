"""GitHub REST v3 (github.com or GitHub Enterprise Server, given its API URL).

Requests per repository on a first crawl: the search or organisation listing already carries
the repository object (topics, licence, counts, dates, flags), then ``/contents`` (README, CI,
tests, licence and publiccode.yml files), ``/contributors?per_page=1`` and
``/releases?per_page=1`` (counts from the ``Link`` header's last page). A licence file is read
only when GitHub's own detection says nothing or "other"; a README only when the description
and topics give no sector.
https://docs.github.com/en/rest/repos/repos
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from crawler.spiders.base import (
    BadAnswer, ForgeSpider, b64_text, clean_topics, contents_entries, count_from, decode_json, expect, int_or_none, iso_date,
    next_link, public_url, release_facts, text_of,
)


def github_summary(repo: dict, url: str) -> dict[str, Any]:
    """The facts of one GitHub repository object (search item, list item or full object)."""
    if not isinstance(repo, dict) or not text_of(repo.get("html_url")) or not text_of(repo.get("full_name")):
        raise BadAnswer(url, 200, "expected a repository object with html_url and full_name")
    licence = repo.get("license") if isinstance(repo.get("license"), dict) else None
    api_licence = None
    if licence:
        spdx = text_of(licence.get("spdx_id"))
        api_licence = "other" if spdx in (None, "NOASSERTION") or licence.get("key") == "other" else spdx
    mirror_of = public_url(repo.get("mirror_url"))
    parent = repo.get("parent") if isinstance(repo.get("parent"), dict) else None
    language = text_of(repo.get("language"))
    return {
        "id": int_or_none(repo.get("id")), "name": text_of(repo.get("name")), "full_name": repo["full_name"].strip(),
        "web_url": repo["html_url"].strip(), "description": text_of(repo.get("description")),
        "topics": clean_topics(repo.get("topics")),
        "homepage": text_of(repo.get("homepage")),
        "stars": int_or_none(repo.get("stargazers_count")), "forks": int_or_none(repo.get("forks_count")),
        "open_issues": int_or_none(repo.get("open_issues_count")),
        "created_at": iso_date(repo.get("created_at")),
        # pushed_at is null for a repository that never received a commit
        "last_activity": iso_date(repo.get("pushed_at")) or iso_date(repo.get("updated_at")),
        "archived": repo.get("archived") is True, "fork": repo.get("fork") is True,
        "parent": text_of(parent.get("html_url")) if parent else None,
        "mirror": bool(text_of(repo.get("mirror_url"))), "mirror_of": mirror_of,
        "default_branch": text_of(repo.get("default_branch")), "languages": [language] if language else [],
        "api_licence": api_licence,
    }


class GitHubSpider(ForgeSpider):
    name = "github"
    forge_type = "github"

    def discovery_requests(self):
        for topic in self.forge.topics:
            yield self.search(f"topic:{topic}")
        for keyword in self.forge.search:
            term = f'"{keyword}"' if " " in keyword else keyword
            yield self.search(term)
        for org in self.forge.orgs:
            yield self.get(f"{self.api}/orgs/{quote(org)}/repos?per_page={self.page_size}", "org",
                           fallback=f"{self.api}/users/{quote(org)}/repos?per_page={self.page_size}")

    def search(self, query: str):
        params = urlencode({"q": f"{query} fork:false", "per_page": self.page_size})
        return self.get(f"{self.api}/search/repositories?{params}", "listing")

    def repository_api_url(self, full_name: str) -> str:
        return f"{self.api}/repos/{full_name}"

    def first_steps(self, summary: dict):
        base = f"{self.api}/repos/{summary['full_name']}"
        return [("files", f"{base}/contents"), ("contributors", f"{base}/contributors?per_page=1&anon=1"),
                ("releases", f"{base}/releases?per_page=1")]

    def file_url(self, summary: dict, path: str, branch: str | None) -> str:
        ref = f"?ref={quote(branch)}" if branch else ""
        return f"{self.api}/repos/{summary['full_name']}/contents/{quote(path)}{ref}"

    def workflows_url(self, summary: dict, directory: str) -> str:
        return f"{self.api}/repos/{summary['full_name']}/contents/{quote(directory)}/workflows"

    def parse_step(self, step: str, response, job):
        url = response.url
        if response.status == 204:  # an empty repository has no contributors
            return {"count": 0} if step == "contributors" else {"entries": []}
        body = decode_json(response)
        if step == "listing":
            items = expect(body, dict, url, "a search result object").get("items")
            items = expect(items, list, url, "a list of items")
            return {"repos": self.summaries(items, github_summary, url), "next": next_link(response)}
        if step == "org":
            items = expect(body, list, url, "a list of repositories")
            return {"repos": self.summaries(items, github_summary, url), "next": next_link(response)}
        if step == "submitted":
            return github_summary(expect(body, dict, url, "a repository object"), url)
        if step == "files":
            return contents_entries(body, url)
        if step == "workflows":
            return {"present": bool(expect(body, list, url, "a directory listing"))}
        if step == "contributors":
            items = expect(body, list, url, "a list of contributors")
            return {"count": count_from(response, items)}
        if step == "releases":
            items = expect(body, list, url, "a list of releases")
            return release_facts(response, items, "published_at")
        if step in ("licence_file", "manifest", "readme", "publiccode"):
            body = expect(body, dict, url, "a file object")
            return self.file_facts(step, b64_text(body.get("content")), body.get("name") or url.rsplit("/", 1)[-1])
        raise BadAnswer(url, response.status, f"unexpected step {step!r}")
