"""The submission file of a project, written back from the database for "Is this your project?".

The keys and their order are those of the submission format (docs/submission-format.md,
``registry/schema/submission.schema.json``), so that a maintainer can copy the text into
``registry/submissions/<id>.yml``, correct it and check it with ``essforge validate``.
"""

from __future__ import annotations

import yaml

from .data import json_object

PARTY_FIELDS = ("name", "website", "country")


class _Dumper(yaml.SafeDumper):
    """Block style; long texts as folded ``>-`` scalars, like the files maintainers write."""


def _str(dumper, value: str):
    if len(value) > 60 and "\n" not in value and value == value.strip() and value.isprintable():
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=">")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _str)


def submission_data(project: dict) -> dict:
    """The submission mapping of a project as the page shows it (``data.project()``)."""
    data: dict = {"name": project["name"], "repository": project["repository_url"]}
    if project.get("website"):
        data["website"] = project["website"]
    descriptions = project.get("descriptions_map") or json_object(project.get("descriptions"))
    descriptions = {lang: text for lang, text in descriptions.items() if lang != "und"}
    if descriptions:
        data["description"] = dict(sorted(descriptions.items(), key=lambda item: (item[0] not in ("en", "fr"), item[0])))
    data["sectors"] = [sector_id for sector_id, _ in project.get("sectors") or []]
    if project.get("licence"):
        data["licence"] = project["licence"]
    if project.get("status"):
        data["status"] = project["status"]
    organisation = project.get("organisation") or {}
    if organisation.get("name") or project.get("organisation_name"):
        org = {"name": organisation.get("name") or project.get("organisation_name")}
        for key in ("legal_form", "country", "website"):
            value = organisation.get(key) or (project.get(key) if key != "website" else None)
            if value:
                org[key] = value
        data["organisation"] = org
    for key in ("languages", "audiences"):
        if project.get(key):
            data[key] = list(project[key])
    for key in ("adopters", "providers"):
        parties = [{k: party[k] for k in PARTY_FIELDS if party.get(k)} for party in project.get(key) or []]
        parties = [party for party in parties if party.get("name")]
        if parties:
            data[key] = parties
    if project.get("contact"):
        data["contact"] = project["contact"]
    if project.get("tags"):
        data["tags"] = list(project["tags"])
    return data


def submission_yaml(project: dict) -> str:
    return yaml.dump(
        submission_data(project),
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=88,
        indent=2,
    )


def submission_path(project: dict) -> str:
    path = project.get("submission_path") or ""
    if path.startswith("registry/submissions/") and path.endswith((".yml", ".yaml")):
        return path
    return f"registry/submissions/{project['id']}.yml"
