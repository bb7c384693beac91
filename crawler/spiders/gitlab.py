"""GitLab REST v4 (gitlab.com, framagit.org, gitlab.adullact.net or any instance, given its API URL).

Listings without a token give GitLab's *simple* project shape (no licence, fork, archive or
mirror flags), so each project costs ``/projects/{id}?license=true``, then its root ``tree``,
``releases?per_page=1`` and ``repository/contributors?per_page=1`` (counts from ``X-Total``).
https://docs.gitlab.com/api/projects/
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote, urlencode

from crawler.spiders.base import (
    BadAnswer, ForgeSpider, classify_files, clean_topics, count_from, decode_json, expect, int_or_none, iso_date, next_link,
    public_url, release_facts, text_of,
)


def gitlab_summary(project: dict, url: str) -> dict[str, Any]:
    if not isinstance(project, dict) or not text_of(project.get("web_url")) \
            or not text_of(project.get("path_with_namespace")):
        raise BadAnswer(url, 200, "expected a project object with web_url and path_with_namespace")
    # "topics" since GitLab 14.0; older instances send "tag_list" only (deprecated, later removed)
    topics = project.get("topics") if isinstance(project.get("topics"), list) and project.get("topics") \
        else project.get("tag_list")
    summary: dict[str, Any] = {
        "id": int_or_none(project.get("id")),
        "name": text_of(project.get("path")) or text_of(project.get("name")),
        "full_name": project["path_with_namespace"].strip(), "web_url": project["web_url"].strip(),
        "description": text_of(project.get("description")),
        "topics": clean_topics(topics),
        "stars": int_or_none(project.get("star_count")), "forks": int_or_none(project.get("forks_count")),
        "created_at": iso_date(project.get("created_at")), "last_activity": iso_date(project.get("last_activity_at")),
        "default_branch": text_of(project.get("default_branch")),
    }
    if "archived" in project or "license" in project or "forked_from_project" in project:
        # the full shape (a single project, or a listing with a token)
        forked = project.get("forked_from_project")
        mirror = project.get("mirror") is True
        licence = project.get("license") if isinstance(project.get("license"), dict) else None
        summary.update({
            "archived": project.get("archived") is True, "fork": isinstance(forked, dict),
            "parent": text_of(forked.get("web_url")) if isinstance(forked, dict) else None,
            "open_issues": int_or_none(project.get("open_issues_count")),
            "mirror": mirror, "mirror_of": public_url(project.get("import_url")) if mirror else None,
            "homepage": None,
            "detailed": "license" in project,
            # no files to list: an empty repository, or one whose repository feature is off (403)
            "empty": project.get("empty_repo") is True,
            "no_repository": project.get("repository_access_level") == "disabled",
        })
        if "license" in project:
            key = text_of((licence or {}).get("key"))
            summary["api_licence"] = None if not licence else ("other" if key in (None, "other") else key)
    return summary


class GitLabSpider(ForgeSpider):
    name = "gitlab"
    forge_type = "gitlab"

    def listing_url(self, base: str, **params: Any) -> str:
        params.update({"per_page": self.page_size, "order_by": "id", "sort": "asc"})
        return f"{base}?{urlencode(params)}"

    def discovery_requests(self):
        for topic in self.forge.topics:
            yield self.get(self.listing_url(f"{self.api}/projects", topic=topic, visibility="public"), "listing")
        for keyword in self.forge.search:
            yield self.get(self.listing_url(f"{self.api}/projects", search=keyword, visibility="public"), "listing")
        for group in self.forge.orgs:
            yield self.get(
                self.listing_url(f"{self.api}/groups/{quote(group, safe='')}/projects", include_subgroups="true"),
                "org", fallback=self.listing_url(f"{self.api}/users/{quote(group, safe='')}/projects"))

    def repository_api_url(self, full_name: str) -> str:
        return f"{self.api}/projects/{quote(full_name, safe='')}?license=true"

    def project_url(self, summary: dict) -> str:
        return f"{self.api}/projects/{summary.get('id') or quote(summary['full_name'], safe='')}"

    def first_steps(self, summary: dict):
        base = self.project_url(summary)
        steps = [] if summary.get("detailed") else [("detail", f"{base}?license=true")]
        return steps + [("files", f"{base}/repository/tree?per_page=100"),
                        ("contributors", f"{base}/repository/contributors?per_page=1"),
                        ("releases", f"{base}/releases?per_page=1")]

    def file_url(self, summary: dict, path: str, branch: str | None) -> str:
        ref = f"?ref={quote(branch)}" if branch else ""
        return f"{self.project_url(summary)}/repository/files/{quote(path, safe='')}/raw{ref}"

    def workflows_url(self, summary: dict, directory: str) -> str:  # pragma: no cover - no such dirs on GitLab
        return f"{self.project_url(summary)}/repository/tree?path={quote(directory + '/workflows')}"

    def plan_after_files(self, job: dict, facts: dict) -> None:
        super().plan_after_files(job, facts)

    def apply(self, step: str, job: dict, facts: Any) -> None:
        if step == "detail" and facts.get("fork"):
            job["queue"].clear()  # a fork: nothing more to fetch
        super().apply(step, job, facts)
        if step == "detail":
            self.skip_repository_steps(job)

    def skip_repository_steps(self, job: dict) -> None:
        """An empty repository has no tree and no contributors (404/500); a project whose
        repository feature is disabled answers 403 to both: do not ask."""
        summary = job["summary"]
        if not (summary.get("empty") or summary.get("no_repository")):
            return
        job["queue"] = [(step, url) for step, url in job["queue"] if step not in ("files", "contributors")]
        if summary.get("empty"):
            job["facts"]["files"] = {"entries": []}
            job["facts"]["classified"] = classify_files([])
            job["facts"]["contributors"] = {"count": 0}

    def advance(self, job: dict, *, claim: bool = False):
        if "detail" not in job["facts"] and not any(step == "detail" for step, _ in job["queue"]):
            self.skip_repository_steps(job)  # a full project object from a listing or a submission
        yield from super().advance(job, claim=claim)

    def parse_step(self, step: str, response, job):
        url = response.url
        if step in ("licence_file", "manifest", "readme", "publiccode"):
            text = response.body.decode("utf-8", "replace")
            name = unquote(url.split("/repository/files/", 1)[-1].split("/raw", 1)[0])
            return self.file_facts(step, text, name)
        body = decode_json(response)
        if step in ("listing", "org"):
            items = expect(body, list, url, "a list of projects")
            return {"repos": self.summaries(items, gitlab_summary, url), "next": next_link(response)}
        if step in ("submitted", "detail"):
            return gitlab_summary(expect(body, dict, url, "a project object"), url)
        if step == "files":
            entries = expect(body, list, url, "a tree listing")
            return {"entries": [{"name": e["name"], "type": "dir" if e.get("type") == "tree" else "file"}
                                for e in entries if isinstance(e, dict) and isinstance(e.get("name"), str)]}
        if step == "workflows":
            return {"present": bool(expect(body, list, url, "a tree listing"))}
        if step == "contributors":
            return {"count": count_from(response, expect(body, list, url, "a list of contributors"))}
        if step == "releases":
            items = expect(body, list, url, "a list of releases")
            return release_facts(response, items, "released_at")
        raise BadAnswer(url, response.status, f"unexpected step {step!r}")
