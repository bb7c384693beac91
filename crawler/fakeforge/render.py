"""Turn world objects into the JSON each forge API answers, field for field.

Shapes follow the recorded answers in ``tests/data/forges/`` (copied from ``../shared/fixtures/forges/``) (PyGithub replay data,
gite.lirmm.fr GitLab pages, demo.gitea.com and try.next.forgejo.org pages), with the fields the
current APIs add. Every field is present, ``null`` included, because the crawler must cope with
nulls exactly as it will on the real forges.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from . import texts
from .world import Owner, Repo, fake_sha, git_blob_sha, parse_iso


@dataclass
class Bases:
    """Where things live: API roots on the fake server, web bases as the world says."""

    server: str
    web: dict[str, str]

    @property
    def github_api(self) -> str:
        return f"{self.server}/github"

    @property
    def gitlab_api(self) -> str:
        return f"{self.server}/gitlab/api/v4"

    @property
    def gitea_api(self) -> str:
        return f"{self.server}/gitea/api/v1"


def b64_lines(data: bytes) -> str:
    """Base64 in 60-character lines, as GitHub's contents API sends it."""
    encoded = base64.b64encode(data).decode("ascii")
    return "".join(encoded[i:i + 60] + "\n" for i in range(0, len(encoded), 60))


def node_id(kind: str, number: int) -> str:
    prefix = {"Repository": "010", "User": "04", "Organization": "012", "License": "07", "Release": "07"}
    return base64.b64encode(f"{prefix.get(kind, '010')}:{kind}{number}".encode()).decode()


def _avatar(seed: Any) -> str:
    return hashlib.md5(str(seed).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# GitHub
# ---------------------------------------------------------------------------------------------
def github_user(login: str, number: int, bases: Bases, kind: str = "User") -> dict[str, Any]:
    api = bases.github_api
    return {
        "login": login, "id": number, "node_id": node_id("Organization" if kind == "Organization" else "User", number),
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4", "gravatar_id": "",
        "url": f"{api}/users/{login}", "html_url": f"{bases.web['github']}/{login}",
        "followers_url": f"{api}/users/{login}/followers",
        "following_url": f"{api}/users/{login}/following{{/other_user}}",
        "gists_url": f"{api}/users/{login}/gists{{/gist_id}}",
        "starred_url": f"{api}/users/{login}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/users/{login}/subscriptions",
        "organizations_url": f"{api}/users/{login}/orgs", "repos_url": f"{api}/users/{login}/repos",
        "events_url": f"{api}/users/{login}/events{{/privacy}}",
        "received_events_url": f"{api}/users/{login}/received_events",
        "type": kind, "user_view_type": "public", "site_admin": False,
    }


def github_owner(owner: Owner, bases: Bases) -> dict[str, Any]:
    return github_user(owner.login, owner.id, bases, "Organization" if owner.kind == "org" else "User")


def github_licence(spdx: str | None, bases: Bases) -> dict[str, Any] | None:
    if spdx is None:
        return None
    if spdx not in texts.LICENCES:
        return {"key": "other", "name": "Other", "spdx_id": "NOASSERTION", "url": None,
                "node_id": node_id("License", 0)}
    _text, key, name = texts.LICENCES[spdx]
    return {"key": key, "name": name, "spdx_id": spdx, "url": f"{bases.github_api}/licenses/{key}",
            "node_id": node_id("License", texts.LICENCE_NODE_NUMBERS.get(key, 99))}


def github_repo(repo: Repo, owner: Owner, bases: Bases, shape: str, world: Any = None) -> dict[str, Any]:
    """``shape``: "full" (GET /repos/o/r), "list" (org/user repos), "search" (search items)."""
    api = f"{bases.github_api}/repos/{repo.full_name}"
    web = f"{bases.web['github']}/{repo.full_name}"
    host = bases.web["github"].split("://", 1)[-1]
    data: dict[str, Any] = {
        "id": repo.id, "node_id": node_id("Repository", repo.id), "name": repo.name,
        "full_name": repo.full_name, "private": repo.private, "owner": github_owner(owner, bases),
        "html_url": web, "description": repo.description or None, "fork": repo.fork, "url": api,
        "forks_url": f"{api}/forks", "keys_url": f"{api}/keys{{/key_id}}",
        "collaborators_url": f"{api}/collaborators{{/collaborator}}", "teams_url": f"{api}/teams",
        "hooks_url": f"{api}/hooks", "issue_events_url": f"{api}/issues/events{{/number}}",
        "events_url": f"{api}/events", "assignees_url": f"{api}/assignees{{/user}}",
        "branches_url": f"{api}/branches{{/branch}}", "tags_url": f"{api}/tags",
        "blobs_url": f"{api}/git/blobs{{/sha}}", "git_tags_url": f"{api}/git/tags{{/sha}}",
        "git_refs_url": f"{api}/git/refs{{/sha}}", "trees_url": f"{api}/git/trees{{/sha}}",
        "statuses_url": f"{api}/statuses/{{sha}}", "languages_url": f"{api}/languages",
        "stargazers_url": f"{api}/stargazers", "contributors_url": f"{api}/contributors",
        "subscribers_url": f"{api}/subscribers", "subscription_url": f"{api}/subscription",
        "commits_url": f"{api}/commits{{/sha}}", "git_commits_url": f"{api}/git/commits{{/sha}}",
        "comments_url": f"{api}/comments{{/number}}", "issue_comment_url": f"{api}/issues/comments{{/number}}",
        "contents_url": f"{api}/contents/{{+path}}", "compare_url": f"{api}/compare/{{base}}...{{head}}",
        "merges_url": f"{api}/merges", "archive_url": f"{api}/{{archive_format}}{{/ref}}",
        "downloads_url": f"{api}/downloads", "issues_url": f"{api}/issues{{/number}}",
        "pulls_url": f"{api}/pulls{{/number}}", "milestones_url": f"{api}/milestones{{/number}}",
        "notifications_url": f"{api}/notifications{{?since,all,participating}}",
        "labels_url": f"{api}/labels{{/name}}", "releases_url": f"{api}/releases{{/id}}",
        "deployments_url": f"{api}/deployments",
        "created_at": repo.created_at, "updated_at": repo.updated_at, "pushed_at": repo.pushed_at,
        "git_url": f"git://{host}/{repo.full_name}.git", "ssh_url": f"git@{host}:{repo.full_name}.git",
        "clone_url": f"{web}.git", "svn_url": web, "homepage": repo.homepage, "size": repo.size,
        "stargazers_count": repo.stars, "watchers_count": repo.stars, "language": repo.language,
        "has_issues": repo.has_issues, "has_projects": True, "has_downloads": True, "has_wiki": False,
        "has_pages": False, "has_discussions": False, "forks_count": repo.forks,
        "mirror_url": (repo.mirror_of + ".git") if repo.mirror_of else None,
        "archived": repo.archived, "disabled": False, "open_issues_count": repo.open_issues,
        "license": github_licence(repo.license, bases), "allow_forking": True, "is_template": False,
        "web_commit_signoff_required": False, "topics": list(repo.topics), "visibility": "public",
        "forks": repo.forks, "open_issues": repo.open_issues, "watchers": repo.stars,
        "default_branch": repo.default_branch,
    }
    if shape == "search":
        data["permissions"] = {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True}
        data["score"] = 1.0
        return data
    data["permissions"] = {"admin": False, "maintain": False, "push": False, "triage": False, "pull": True}
    if shape == "list":
        return data
    data.update({
        "temp_clone_token": "", "allow_squash_merge": True, "allow_merge_commit": True,
        "allow_rebase_merge": True, "allow_auto_merge": False, "delete_branch_on_merge": False,
        "allow_update_branch": False, "use_squash_pr_title_as_default": False,
        "squash_merge_commit_message": "COMMIT_MESSAGES", "squash_merge_commit_title": "COMMIT_OR_PR_TITLE",
        "merge_commit_message": "PR_TITLE", "merge_commit_title": "MERGE_MESSAGE", "custom_properties": {},
    })
    if owner.kind == "org":
        data["organization"] = github_owner(owner, bases)
    if repo.fork and world is not None:
        parent = world.get("github", repo.parent or "")
        if parent is not None:
            parent_owner = world.owner("github", parent.owner)
            data["parent"] = github_repo(parent, parent_owner, bases, "list")
            data["source"] = data["parent"]
    data["security_and_analysis"] = {
        "secret_scanning": {"status": "disabled"}, "secret_scanning_push_protection": {"status": "disabled"},
        "dependabot_security_updates": {"status": "disabled"},
        "secret_scanning_non_provider_patterns": {"status": "disabled"},
        "secret_scanning_validity_checks": {"status": "disabled"},
    }
    data["network_count"] = repo.forks
    data["subscribers_count"] = repo.watchers
    return data


def github_org(owner: Owner, bases: Bases, public_repos: int) -> dict[str, Any]:
    api = bases.github_api
    login = owner.login
    base = github_owner(owner, bases)
    if owner.kind != "org":
        base.update({"name": owner.display_name, "company": None, "blog": owner.website, "location": owner.location or None,
                     "email": None, "hireable": None, "bio": owner.description or None, "twitter_username": None,
                     "public_repos": public_repos, "public_gists": 0, "followers": 0, "following": 0,
                     "created_at": "2015-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z"})
        return base
    return {
        "login": login, "id": owner.id, "node_id": base["node_id"], "url": f"{api}/orgs/{login}",
        "repos_url": f"{api}/orgs/{login}/repos", "events_url": f"{api}/orgs/{login}/events",
        "hooks_url": f"{api}/orgs/{login}/hooks", "issues_url": f"{api}/orgs/{login}/issues",
        "members_url": f"{api}/orgs/{login}/members{{/member}}",
        "public_members_url": f"{api}/orgs/{login}/public_members{{/member}}",
        "avatar_url": base["avatar_url"], "description": owner.description or None,
        "name": owner.display_name, "company": None, "blog": owner.website, "location": owner.location or None,
        "email": None, "twitter_username": None, "is_verified": False, "has_organization_projects": True,
        "has_repository_projects": True, "public_repos": public_repos, "public_gists": 0, "followers": 0,
        "following": 0, "html_url": f"{bases.web['github']}/{login}", "created_at": "2015-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z", "archived_at": None, "type": "Organization",
    }


def github_content(repo: Repo, path: str, kind: str, data: bytes | None, bases: Bases,
                   with_content: bool) -> dict[str, Any]:
    api = f"{bases.github_api}/repos/{repo.full_name}"
    web = f"{bases.web['github']}/{repo.full_name}"
    ref = repo.default_branch
    sha = git_blob_sha(data) if data is not None else fake_sha("tree", repo.id, path, repo.version)
    qpath = quote(path)
    item: dict[str, Any] = {
        "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha,
        "size": len(data) if data is not None else 0,
        "url": f"{api}/contents/{qpath}?ref={ref}",
        "html_url": f"{web}/{'blob' if kind == 'file' else 'tree'}/{ref}/{qpath}",
        "git_url": f"{api}/git/{'blobs' if kind == 'file' else 'trees'}/{sha}",
        "download_url": f"{bases.server}/github-raw/{repo.full_name}/{ref}/{qpath}" if kind == "file" else None,
        "type": kind,
    }
    if with_content and data is not None:
        item["content"] = b64_lines(data)
        item["encoding"] = "base64"
    item["_links"] = {"self": item["url"], "git": item["git_url"], "html": item["html_url"]}
    return item


def github_release(repo: Repo, release: dict[str, Any], bases: Bases, author: dict[str, Any]) -> dict[str, Any]:
    api = f"{bases.github_api}/repos/{repo.full_name}"
    web = f"{bases.web['github']}/{repo.full_name}"
    rid = release["id"]
    return {
        "url": f"{api}/releases/{rid}", "assets_url": f"{api}/releases/{rid}/assets",
        "upload_url": f"https://uploads.github.com/repos/{repo.full_name}/releases/{rid}/assets{{?name,label}}",
        "html_url": f"{web}/releases/tag/{release['tag']}", "id": rid, "author": author,
        "node_id": base64.b64encode(f"RE_{rid}".encode()).decode(), "tag_name": release["tag"],
        "target_commitish": repo.default_branch, "name": release["name"], "draft": release["draft"],
        "prerelease": release["prerelease"], "created_at": release["date"], "published_at": release["date"],
        "assets": [], "tarball_url": f"{api}/tarball/{release['tag']}",
        "zipball_url": f"{api}/zipball/{release['tag']}", "body": release["body"],
    }


def github_contributor(repo: Repo, index: int, bases: Bases) -> dict[str, Any]:
    login = f"contrib-{repo.owner.lower()}-{index}" if index else repo.owner
    user = github_user(login, 50_000_000 + repo.id % 100_000 * 100 + index, bases)
    user["contributions"] = max(1, 500 // (index + 1))
    return user


def github_rate_limit(buckets: dict[str, dict[str, int]]) -> dict[str, Any]:
    resources = {name: dict(values) for name, values in buckets.items()}
    for name, limit in (("graphql", 5000), ("integration_manifest", 5000), ("source_import", 100),
                        ("code_scanning_upload", 1000), ("actions_runner_registration", 10000),
                        ("scim", 15000), ("dependency_snapshots", 100)):
        resources.setdefault(name, {"limit": limit, "used": 0, "remaining": limit,
                                    "reset": resources["core"]["reset"]})
    return {"resources": resources, "rate": dict(resources["core"])}


# ---------------------------------------------------------------------------------------------
# GitLab
# ---------------------------------------------------------------------------------------------
def gitlab_ts(value: str) -> str:
    """GitLab writes milliseconds: 2021-01-14T11:32:50.672Z."""
    return value[:-1] + ".000Z" if value.endswith("Z") and "." not in value else value


def gitlab_namespace(owner: Owner, bases: Bases, world: Any) -> dict[str, Any]:
    parent = world.owner("gitlab", owner.parent) if owner.parent else None
    return {
        "id": owner.id, "name": owner.display_name, "path": owner.name,
        "kind": "group" if owner.kind == "org" else "user", "full_path": owner.login,
        "parent_id": parent.id if parent else None,
        "avatar_url": None, "web_url": (f"{bases.web['gitlab']}/groups/{owner.login}" if owner.kind == "org"
                                        else f"{bases.web['gitlab']}/{owner.login}"),
    }


def gitlab_project(repo: Repo, owner: Owner, bases: Bases, world: Any, simple: bool,
                   licence: bool = False) -> dict[str, Any]:
    web = f"{bases.web['gitlab']}/{repo.full_name}"
    host = bases.web["gitlab"].split("://", 1)[-1]
    readme = repo.readme_file()
    namespace = gitlab_namespace(owner, bases, world)
    ns_names = []
    cursor: Owner | None = owner
    while cursor is not None:
        ns_names.append(cursor.display_name)
        cursor = world.owner("gitlab", cursor.parent) if cursor.parent else None
    data: dict[str, Any] = {
        "id": repo.id, "description": repo.description or None, "name": repo.title,
        "name_with_namespace": " / ".join(list(reversed(ns_names)) + [repo.title]),
        "path": repo.name, "path_with_namespace": repo.full_name,
        "created_at": gitlab_ts(repo.created_at), "default_branch": repo.default_branch,
        "tag_list": list(repo.topics), "topics": list(repo.topics),
        "ssh_url_to_repo": f"git@{host}:{repo.full_name}.git", "http_url_to_repo": f"{web}.git",
        "web_url": web, "readme_url": f"{web}/-/blob/{repo.default_branch}/{readme}" if readme else None,
        "forks_count": repo.forks, "avatar_url": None, "star_count": repo.stars,
        "last_activity_at": gitlab_ts(repo.pushed_at), "namespace": namespace,
    }
    if simple:
        return data
    api = f"{bases.gitlab_api}/projects/{repo.id}"
    data.update({
        "repository_storage": "default",
        "container_registry_image_prefix": f"registry.{host}/{repo.full_name}",
        "_links": {"self": api, "issues": f"{api}/issues", "merge_requests": f"{api}/merge_requests",
                   "repo_branches": f"{api}/repository/branches", "labels": f"{api}/labels",
                   "events": f"{api}/events", "members": f"{api}/members",
                   "cluster_agents": f"{api}/cluster_agents"},
        "packages_enabled": True, "empty_repo": not repo.files, "archived": repo.archived,
        "visibility": "public",
    })
    if owner.kind == "user":
        data["owner"] = {"id": owner.id, "username": owner.login, "name": owner.display_name,
                         "state": "active", "locked": False, "avatar_url": None,
                         "web_url": f"{bases.web['gitlab']}/{owner.login}"}
    data.update({
        "resolve_outdated_diff_discussions": False,
        "container_expiration_policy": {"cadence": "1d", "enabled": False, "keep_n": 10, "older_than": "90d",
                                        "name_regex": ".*", "name_regex_keep": None,
                                        "next_run_at": "2026-11-02T00:00:00.000Z"},
        "repository_object_format": "sha1", "issues_enabled": repo.has_issues, "merge_requests_enabled": True,
        "wiki_enabled": True, "jobs_enabled": True, "snippets_enabled": True,
        "container_registry_enabled": True, "service_desk_enabled": False,
        "can_create_merge_request_in": False,
        "issues_access_level": "enabled" if repo.has_issues else "disabled",
        "repository_access_level": "enabled", "merge_requests_access_level": "enabled",
        "forking_access_level": "enabled", "wiki_access_level": "enabled", "builds_access_level": "enabled",
        "snippets_access_level": "enabled", "pages_access_level": "public", "analytics_access_level": "enabled",
        "container_registry_access_level": "enabled", "security_and_compliance_access_level": "private",
        "releases_access_level": "enabled", "environments_access_level": "enabled",
        "feature_flags_access_level": "enabled", "infrastructure_access_level": "enabled",
        "monitor_access_level": "enabled", "model_experiments_access_level": "enabled",
        "model_registry_access_level": "enabled", "emails_disabled": False, "emails_enabled": True,
        "shared_runners_enabled": True, "lfs_enabled": True, "creator_id": owner.id,
    })
    if repo.fork:
        parent = world.get("gitlab", repo.parent or "")
        if parent is not None:
            data["forked_from_project"] = gitlab_project(parent, world.owner("gitlab", parent.owner), bases,
                                                         world, simple=True)
    data.update({
        "mr_default_target_self": False, "import_url": (repo.mirror_of + ".git") if repo.mirror_of else None,
        "import_type": "git" if repo.mirror_of else None, "import_status": "finished" if repo.mirror_of else "none",
        "open_issues_count": repo.open_issues, "description_html": _html_paragraph(repo.description),
        "updated_at": gitlab_ts(repo.updated_at), "ci_default_git_depth": 20, "ci_config_path": None,
        "public_jobs": True, "shared_with_groups": [], "only_allow_merge_if_pipeline_succeeds": False,
        "allow_merge_on_skipped_pipeline": None, "request_access_enabled": True,
        "only_allow_merge_if_all_discussions_are_resolved": False, "remove_source_branch_after_merge": True,
        "printing_merge_request_link_enabled": True, "merge_method": "merge", "squash_option": "default_off",
        "enforce_auth_checks_on_uploads": True, "suggestion_commit_message": None,
        "merge_commit_template": None, "squash_commit_template": None, "issue_branch_template": None,
        "warn_about_potentially_unwanted_characters": True, "autoclose_referenced_issues": True,
        "mirror": repo.mirror,
    })
    if licence:
        path = repo.licence_file()
        data["license_url"] = f"{web}/-/blob/{repo.default_branch}/{path}" if path and repo.license else None
        data["license"] = gitlab_licence(repo.license)
    return data


def gitlab_licence(spdx: str | None) -> dict[str, Any] | None:
    if spdx is None:
        return None
    if spdx not in texts.LICENCES:
        return {"key": "other", "name": "Other", "nickname": None, "html_url": None, "source_url": None}
    _text, key, name = texts.LICENCES[spdx]
    nickname = {"agpl-3.0": "GNU AGPLv3", "gpl-3.0": "GNU GPLv3", "lgpl-3.0": "GNU LGPLv3"}.get(key)
    return {"key": key, "name": name, "nickname": nickname,
            "html_url": f"https://choosealicense.com/licenses/{key}/",
            "source_url": f"https://opensource.org/licenses/{spdx}"}


def _html_paragraph(text: str) -> str:
    import html
    return f'<p data-sourcepos="1:1-1:{len(text)}" dir="auto">{html.escape(text)}</p>' if text else ""


def gitlab_group(owner: Owner, bases: Bases, world: Any) -> dict[str, Any]:
    parent = world.owner("gitlab", owner.parent) if owner.parent else None
    return {
        "id": owner.id, "web_url": f"{bases.web['gitlab']}/groups/{owner.login}", "name": owner.display_name,
        "path": owner.name, "description": owner.description, "visibility": "public",
        "share_with_group_lock": False, "require_two_factor_authentication": False,
        "two_factor_grace_period": 48, "project_creation_level": "developer", "auto_devops_enabled": None,
        "subgroup_creation_level": "maintainer", "emails_disabled": False, "emails_enabled": True,
        "mentions_disabled": None, "lfs_enabled": True, "default_branch": None,
        "default_branch_protection": 2, "avatar_url": None, "request_access_enabled": True,
        "full_name": " / ".join(_gitlab_chain(owner, world)), "full_path": owner.login,
        "created_at": "2018-01-01T00:00:00.000Z", "parent_id": parent.id if parent else None,
        "organization_id": 1, "shared_runners_setting": "enabled", "ldap_cn": None, "ldap_access": None,
        "wiki_access_level": "enabled",
    }


def _gitlab_chain(owner: Owner, world: Any) -> list[str]:
    names = []
    cursor: Owner | None = owner
    while cursor is not None:
        names.append(cursor.display_name)
        cursor = world.owner("gitlab", cursor.parent) if cursor.parent else None
    return list(reversed(names))


def gitlab_tree_item(repo: Repo, path: str, kind: str, data: bytes | None) -> dict[str, Any]:
    sha = git_blob_sha(data) if data is not None else fake_sha("tree", repo.id, path, repo.version)
    return {"id": sha, "name": path.rsplit("/", 1)[-1], "type": "blob" if kind == "file" else "tree",
            "path": path, "mode": "100644" if kind == "file" else "040000"}


def gitlab_file(repo: Repo, path: str, data: bytes) -> dict[str, Any]:
    commit = fake_sha("commit", repo.id, repo.version)
    return {"file_name": path.rsplit("/", 1)[-1], "file_path": path, "size": len(data), "encoding": "base64",
            "content_sha256": hashlib.sha256(data).hexdigest(), "ref": repo.default_branch,
            "blob_id": git_blob_sha(data), "commit_id": commit, "last_commit_id": commit,
            "execute_filemode": False, "content": base64.b64encode(data).decode("ascii")}


def gitlab_release(repo: Repo, release: dict[str, Any], bases: Bases, owner: Owner) -> dict[str, Any]:
    web = f"{bases.web['gitlab']}/{repo.full_name}"
    commit = fake_sha("commit", repo.id, release["tag"])
    date = gitlab_ts(release["date"])
    return {
        "name": release["name"], "tag_name": release["tag"], "description": release["body"],
        "created_at": date, "released_at": date, "upcoming_release": False,
        "author": {"id": owner.id, "username": owner.name, "name": owner.display_name, "state": "active",
                   "locked": False, "avatar_url": None, "web_url": f"{bases.web['gitlab']}/{owner.name}"},
        "commit": {"id": commit, "short_id": commit[:8], "created_at": date, "parent_ids": [],
                   "title": f"Release {release['tag']}", "message": f"Release {release['tag']}",
                   "author_name": owner.display_name, "author_email": "dev@example.org", "authored_date": date,
                   "committer_name": owner.display_name, "committer_email": "dev@example.org",
                   "committed_date": date, "trailers": {}, "extended_trailers": {},
                   "web_url": f"{web}/-/commit/{commit}"},
        "commit_path": f"/{repo.full_name}/-/commit/{commit}", "tag_path": f"/{repo.full_name}/-/tags/{release['tag']}",
        "assets": {"count": 2, "sources": [
            {"format": "zip", "url": f"{web}/-/archive/{release['tag']}/{repo.name}-{release['tag']}.zip"},
            {"format": "tar.gz", "url": f"{web}/-/archive/{release['tag']}/{repo.name}-{release['tag']}.tar.gz"}],
            "links": []},
        "evidences": [],
        "_links": {"closed_issues_url": f"{web}/-/issues?release_tag={release['tag']}&scope=all&state=closed",
                   "closed_merge_requests_url": f"{web}/-/merge_requests?release_tag={release['tag']}&scope=all&state=closed",
                   "merged_merge_requests_url": f"{web}/-/merge_requests?release_tag={release['tag']}&scope=all&state=merged",
                   "opened_issues_url": f"{web}/-/issues?release_tag={release['tag']}&scope=all&state=opened",
                   "opened_merge_requests_url": f"{web}/-/merge_requests?release_tag={release['tag']}&scope=all&state=opened",
                   "self": f"{web}/-/releases/{release['tag']}"},
    }


def gitlab_languages(repo: Repo) -> dict[str, float]:
    total = sum(repo.languages.values()) or 1
    return {lang: round(100 * size / total, 2)
            for lang, size in sorted(repo.languages.items(), key=lambda kv: -kv[1])}


# ---------------------------------------------------------------------------------------------
# Gitea / Forgejo
# ---------------------------------------------------------------------------------------------
def gitea_user(owner: Owner, bases: Bases) -> dict[str, Any]:
    web = bases.web["gitea"]
    return {
        "id": owner.id, "login": owner.login, "login_name": "", "source_id": 0,
        "full_name": owner.display_name, "email": f"{owner.login}@noreply.{web.split('://', 1)[-1]}",
        "avatar_url": f"{web}/avatars/{_avatar(owner.login)}", "html_url": f"{web}/{owner.login}",
        "language": "", "is_admin": False, "last_login": "0001-01-01T00:00:00Z",
        "created": "2019-01-01T00:00:00Z", "restricted": False, "active": False, "prohibit_login": False,
        "location": owner.location, "pronouns": "", "website": owner.website, "description": owner.description,
        "visibility": "public", "followers_count": 0, "following_count": 0, "starred_repos_count": 0,
        "username": owner.login,
    }


def gitea_repo(repo: Repo, owner: Owner, bases: Bases, world: Any, with_parent: bool = True) -> dict[str, Any]:
    web = f"{bases.web['gitea']}/{repo.full_name}"
    host = bases.web["gitea"].split("://", 1)[-1]
    parent = None
    if repo.fork and with_parent:
        parent_repo = world.get("gitea", repo.parent or "")
        if parent_repo is not None:
            parent = gitea_repo(parent_repo, world.owner("gitea", parent_repo.owner), bases, world, False)
    archived_at = repo.updated_at if repo.archived else "1970-01-01T00:00:00Z"
    return {
        "id": repo.id, "owner": gitea_user(owner, bases), "name": repo.name, "full_name": repo.full_name,
        "description": repo.description, "empty": not repo.files, "private": repo.private, "fork": repo.fork,
        "template": False, "parent": parent, "mirror": repo.mirror, "size": repo.size,
        "language": repo.language or "", "languages_url": f"{bases.gitea_api}/repos/{repo.full_name}/languages",
        "html_url": web, "url": f"{bases.gitea_api}/repos/{repo.full_name}", "link": "",
        "ssh_url": f"ssh://git@{host}/{repo.full_name}.git", "clone_url": f"{web}.git",
        "original_url": repo.mirror_of or "", "website": repo.homepage or "", "stars_count": repo.stars,
        "forks_count": repo.forks, "watchers_count": repo.watchers, "open_issues_count": repo.open_issues,
        "open_pr_counter": 0, "release_counter": len(repo.releases), "default_branch": repo.default_branch,
        "archived": repo.archived, "created_at": repo.created_at, "updated_at": repo.updated_at,
        "archived_at": archived_at,
        "permissions": {"admin": False, "push": False, "pull": True}, "has_issues": repo.has_issues,
        "internal_tracker": {"enable_time_tracker": True, "allow_only_contributors_to_track_time": True,
                             "enable_issue_dependencies": True},
        "has_wiki": True, "wiki_branch": repo.default_branch, "globally_editable_wiki": False,
        "has_pull_requests": True, "has_projects": True, "has_releases": True, "has_packages": True,
        "has_actions": True, "ignore_whitespace_conflicts": False, "allow_merge_commits": True,
        "allow_rebase": True, "allow_rebase_explicit": True, "allow_squash_merge": True,
        "allow_fast_forward_only_merge": True, "allow_rebase_update": True,
        "default_delete_branch_after_merge": False, "default_merge_style": "merge",
        "default_allow_maintainer_edit": False, "default_update_style": "merge", "avatar_url": "",
        "internal": False, "mirror_interval": "8h0m0s" if repo.mirror else "", "object_format_name": "sha1",
        "mirror_updated": repo.pushed_at if repo.mirror else "0001-01-01T00:00:00Z", "repo_transfer": None,
        "topics": list(repo.topics), "licenses": gitea_licences(repo),
    }


def gitea_licences(repo: Repo) -> list[str]:
    return [repo.license] if repo.license in texts.LICENCES else []


def gitea_org(owner: Owner, bases: Bases) -> dict[str, Any]:
    web = bases.web["gitea"]
    return {"id": owner.id, "name": owner.login, "full_name": owner.display_name,
            "email": "", "avatar_url": f"{web}/avatars/{_avatar(owner.login)}",
            "description": owner.description, "website": owner.website, "location": owner.location,
            "visibility": "public", "repo_admin_change_team_access": False, "username": owner.login}


def gitea_content(repo: Repo, path: str, kind: str, data: bytes | None, bases: Bases,
                  with_content: bool) -> dict[str, Any]:
    api = f"{bases.gitea_api}/repos/{repo.full_name}"
    web = f"{bases.web['gitea']}/{repo.full_name}"
    ref = repo.default_branch
    sha = git_blob_sha(data) if data is not None else fake_sha("tree", repo.id, path, repo.version)
    qpath = quote(path)
    commit = fake_sha("commit", repo.id, repo.version)
    item = {
        "name": path.rsplit("/", 1)[-1], "path": path, "sha": sha, "last_commit_sha": commit,
        "last_committer_date": repo.pushed_at, "last_author_date": repo.pushed_at,
        "type": kind, "size": len(data) if data is not None else 0,
        "encoding": "base64" if with_content and data is not None else None,
        "content": base64.b64encode(data).decode("ascii") if with_content and data is not None else None,
        "target": None, "url": f"{api}/contents/{qpath}?ref={ref}",
        "html_url": f"{web}/src/branch/{ref}/{qpath}",
        "git_url": f"{api}/git/{'blobs' if kind == 'file' else 'trees'}/{sha}",
        "download_url": f"{bases.server}/gitea-web/{repo.full_name}/raw/branch/{ref}/{qpath}" if kind == "file" else None,
        "submodule_git_url": None,
    }
    item["_links"] = {"self": item["url"], "git": item["git_url"], "html": item["html_url"]}
    return item


def gitea_release(repo: Repo, release: dict[str, Any], bases: Bases, owner: Owner) -> dict[str, Any]:
    api = f"{bases.gitea_api}/repos/{repo.full_name}"
    web = f"{bases.web['gitea']}/{repo.full_name}"
    return {
        "id": release["id"], "tag_name": release["tag"], "target_commitish": repo.default_branch,
        "name": release["name"], "body": release["body"], "url": f"{api}/releases/{release['id']}",
        "html_url": f"{web}/releases/tag/{release['tag']}", "tarball_url": f"{web}/archive/{release['tag']}.tar.gz",
        "zipball_url": f"{web}/archive/{release['tag']}.zip", "upload_url": f"{api}/releases/{release['id']}/assets",
        "draft": release["draft"], "prerelease": release["prerelease"], "created_at": release["date"],
        "published_at": release["date"], "author": gitea_user(owner, bases), "assets": [],
    }


def last_modified(repo: Repo) -> float:
    return parse_iso(repo.updated_at).timestamp()
