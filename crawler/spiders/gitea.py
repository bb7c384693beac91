"""Gitea and Forgejo API v1 (codeberg.org or any instance, given its API URL).

``/repos/search`` answers full repository objects (``{"data": [...], "ok": true}``) with topics,
counts, flags, ``release_counter`` and, since Gitea 1.22, detected ``licenses``. Each repository
then costs its root ``contents`` listing and, when it has releases, ``releases?limit=1``. The API
has no contributors list, so ``contributors`` stays unknown on these forges.
https://docs.gitea.com/api/
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from crawler.spiders.base import (
    BadAnswer, ForgeSpider, b64_text, clean_topics, contents_entries, decode_json, expect, int_or_none, iso_date, next_link,
    public_url, release_facts, text_of,
)


def gitea_summary(repo: dict, url: str) -> dict[str, Any]:
    if not isinstance(repo, dict) or not text_of(repo.get("html_url")) or not text_of(repo.get("full_name")):
        raise BadAnswer(url, 200, "expected a repository object with html_url and full_name")
    licences = [x.strip() for x in repo.get("licenses") or [] if text_of(x)] \
        if isinstance(repo.get("licenses"), list) else []
    parent = repo.get("parent") if isinstance(repo.get("parent"), dict) else None
    language = text_of(repo.get("language"))
    mirror = repo.get("mirror") is True
    summary = {
        "id": int_or_none(repo.get("id")), "name": text_of(repo.get("name")), "full_name": repo["full_name"].strip(),
        "web_url": repo["html_url"].strip(), "description": text_of(repo.get("description")),
        "topics": clean_topics(repo.get("topics")),
        "homepage": text_of(repo.get("website")),
        "stars": int_or_none(repo.get("stars_count")), "forks": int_or_none(repo.get("forks_count")),
        "open_issues": int_or_none(repo.get("open_issues_count")),
        "created_at": iso_date(repo.get("created_at")), "last_activity": iso_date(repo.get("updated_at")),
        "archived": repo.get("archived") is True, "fork": repo.get("fork") is True,
        "parent": text_of(parent.get("html_url")) if parent else None,
        "mirror": mirror, "mirror_of": public_url(repo.get("original_url")) if mirror else None,
        "default_branch": text_of(repo.get("default_branch")), "languages": [language] if language else [],
        "release_counter": int_or_none(repo.get("release_counter")),
        "empty": repo.get("empty") is True,
    }
    # An instance that does not detect licences sends no "licenses" key at all. Several detected
    # licence files do not say whether they combine with AND or OR (LICENSE-MIT + LICENSE-APACHE
    # is usually a choice): we do not guess, we answer "other" so the licence files are read.
    if "licenses" not in repo or not licences:
        summary["api_licence"] = None
    else:
        summary["api_licence"] = licences[0] if len(licences) == 1 else "other"
    return summary


class GiteaSpider(ForgeSpider):
    name = "gitea"
    forge_type = "gitea"
    per_page = 50  # Gitea's default MAX_RESPONSE_ITEMS

    def discovery_requests(self):
        for topic in self.forge.topics:
            yield self.search(q=topic, topic="true")
        for keyword in self.forge.search:
            yield self.search(q=keyword, includeDesc="true")
        for org in self.forge.orgs:
            yield self.get(f"{self.api}/orgs/{quote(org)}/repos?limit={self.page_size}", "org",
                           fallback=f"{self.api}/users/{quote(org)}/repos?limit={self.page_size}")

    def search(self, **params: str):
        params.update({"mode": "source", "sort": "id", "order": "asc", "limit": str(self.page_size)})
        return self.get(f"{self.api}/repos/search?{urlencode(params)}", "listing")

    def repository_api_url(self, full_name: str) -> str:
        return f"{self.api}/repos/{full_name}"

    def first_steps(self, summary: dict):
        base = f"{self.api}/repos/{summary['full_name']}"
        steps = [("files", None if summary.get("empty") else f"{base}/contents")]
        if summary.get("release_counter") != 0:
            steps.append(("releases", f"{base}/releases?limit=1"))
        return steps

    def file_url(self, summary: dict, path: str, branch: str | None) -> str:
        ref = f"?ref={quote(branch)}" if branch else ""
        return f"{self.api}/repos/{summary['full_name']}/contents/{quote(path)}{ref}"

    def workflows_url(self, summary: dict, directory: str) -> str:
        return f"{self.api}/repos/{summary['full_name']}/contents/{quote(directory)}/workflows"

    def data_from(self, summary: dict, facts: dict) -> dict[str, Any]:
        data = super().data_from(summary, facts)
        if summary.get("release_counter") is not None:
            data["releases_count"] = summary["release_counter"]
        if summary.get("empty"):
            data.update(has_readme=False, has_ci=False, has_tests=False)
        return data

    def parse_step(self, step: str, response, job):
        url = response.url
        body = decode_json(response)
        if step == "listing":
            body = expect(body, dict, url, 'a search result {"data": [...]}')
            items = expect(body.get("data"), list, url, "a list of repositories")
            return {"repos": self.summaries(items, gitea_summary, url), "next": self.next_page(response, items)}
        if step == "org":
            items = expect(body, list, url, "a list of repositories")
            return {"repos": self.summaries(items, gitea_summary, url), "next": self.next_page(response, items)}
        if step == "submitted":
            return gitea_summary(expect(body, dict, url, "a repository object"), url)
        if step == "files":
            return contents_entries(body, url)
        if step == "workflows":
            return {"present": bool(expect(body, list, url, "a directory listing"))}
        if step == "releases":
            items = expect(body, list, url, "a list of releases")
            return release_facts(response, items, "published_at")
        if step in ("licence_file", "manifest", "readme", "publiccode"):
            body = expect(body, dict, url, "a file object")
            return self.file_facts(step, b64_text(body.get("content")), body.get("name") or url.rsplit("/", 1)[-1])
        raise BadAnswer(url, response.status, f"unexpected step {step!r}")

    @staticmethod
    def next_page(response, items: list) -> str | None:
        # Old Gitea versions send no Link header: an empty page ends the listing.
        return next_link(response) if items else None
