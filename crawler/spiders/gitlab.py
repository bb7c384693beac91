"""GitLab REST v4 (gitlab.com, framagit.org, gitlab.adullact.net or any instance, given its API URL).

Listings without a token give GitLab's *simple* project shape (no licence, fork, archive or
mirror flags), so each project costs ``/projects/{id}?license=true``, then its root ``tree``,
``releases?per_page=1`` and ``repository/contributors?per_page=1`` (counts from ``X-Total``).
https://docs.gitlab.com/api/projects/
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from crawler.spiders.base import (
    BadAnswer, ForgeSpider, count_from, decode_json, expect, int_or_none, next_link, text_of,
)


def gitlab_summary(project: dict, url: str) -> dict[str, Any]:
    if not isinstance(project, dict) or not isinstance(project.get("web_url"), str) \
            or not project.get("path_with_namespace"):
        raise BadAnswer(url, 200, "expected a project object with web_url and path_with_namespace")
    summary: dict[str, Any] = {
        "id": project.get("id"), "name": project.get("path") or project.get("name"),
        "full_name": project["path_with_namespace"], "web_url": project["web_url"],
        "description": text_of(project.get("description")),
        "topics": [t for t in (project.get("topics") or project.get("tag_list") or []) if isinstance(t, str)],
        "stars": int_or_none(project.get("star_count")), "forks": int_or_none(project.get("forks_count")),
        "created_at": project.get("created_at"), "last_activity": project.get("last_activity_at"),
        "default_branch": project.get("default_branch"),
    }
    if "archived" in project or "license" in project or "forked_from_project" in project:
        # the full shape (a single project, or a listing with a token)
        forked = project.get("forked_from_project")
        import_url = text_of(project.get("import_url"))
        mirror = bool(project.get("mirror"))
        licence = project.get("license") if isinstance(project.get("license"), dict) else None
        summary.update({
            "archived": bool(project.get("archived")), "fork": isinstance(forked, dict),
            "parent": forked.get("web_url") if isinstance(forked, dict) else None,
            "open_issues": int_or_none(project.get("open_issues_count")),
            "mirror": mirror, "mirror_of": (import_url[:-4] if import_url and import_url.endswith(".git")
                                            else import_url) if mirror else None,
            "homepage": None,
            "detailed": "license" in project,
        })
        if "license" in project:
            key = (licence or {}).get("key")
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

    def parse_step(self, step: str, response, job):
        url = response.url
        if step in ("licence_file", "manifest", "readme", "publiccode"):
            text = response.body.decode("utf-8", "replace")
            return self.file_facts(step, text, url.split("/repository/files/", 1)[-1].split("/raw", 1)[0])
        body = decode_json(response)
        if step in ("listing", "org"):
            items = expect(body, list, url, "a list of projects")
            return {"repos": [gitlab_summary(p, url) for p in items], "next": next_link(response)}
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
            latest = next((r for r in items if isinstance(r, dict) and not r.get("upcoming_release")), None)
            return {"count": count_from(response, items), "latest": latest.get("tag_name") if latest else None,
                    "date": (latest.get("released_at") or latest.get("created_at")) if latest else None}
        raise BadAnswer(url, response.status, f"unexpected step {step!r}")
