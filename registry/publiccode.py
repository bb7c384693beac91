"""The mapping ``publiccode.yml`` → submission fields, so one validator serves both formats.

publiccode.yml (https://github.com/publiccodeyml/publiccode.yml, versions 0.2 to 0.4 and the
older 0.1) describes public software for public administrations. We take what our project record
needs and leave the rest (``dependsOn``, country extensions such as ``it:``…) alone:

==========================================  ==============================
publiccode.yml                              submission field
==========================================  ==============================
``name``                                    ``name``
``url``                                     ``repository``
``landingURL``                              ``website``
``description.<lang>.shortDescription``     ``description.<lang>`` (white space folded)
``legal.license``                           ``licence``
``developmentStatus``                       ``status``
``organisation.name`` (0.5), else           ``organisation.name``
``legal.mainCopyrightOwner``, else
``legal.repoOwner``
``organisation.uri`` (0.5, an http(s) one)  ``organisation.website``
``localisation.availableLanguages``         ``languages`` (primary subtag)
``usedBy``                                  ``adopters`` (names only, each once, the first 500)
``maintenance.contractors``                 ``providers`` (``name``, ``website``)
``categories``, ``intendedAudience.scope``  ``tags``
==========================================  ==============================

publiccode.yml has no sectors: ``sectors`` is ``[]`` and is inferred later from the text.
Language tags are BCP 47 (``en``, ``pt-BR``, ``sl-IT-nedis``); we keep the primary subtag when it
has an ISO 639-1 code and quietly drop the few languages that have none (``ast``, ``gsw``…).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from babel.core import get_global

from registry.safeyaml import describe, join_path, parent_path

MAX_TAGS = 50
# Our record keeps at most this many adopters (the schema's adopters.maxItems); a publiccode.yml
# may list far more (GlobaLeaks' usedBy names about 1,200 bodies): the first ones are kept.
MAX_ADOPTERS = 500


@dataclass
class Problem:
    """A problem found while mapping, located by its publiccode.yml field path."""

    path: str
    message: str
    key: bool = False


@dataclass
class Mapped:
    """Submission-shaped fields, where each came from, and the problems found on the way.

    :param fields: a dict with our field names, ready for the submission validator
    :param origins: our field path → publiccode.yml field path (``adopters[1].name`` →
        ``usedBy[1]``)
    :param problems: what could not be mapped
    """

    fields: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def label(self, path: str) -> str:
        """The publiccode.yml field path for one of our field paths.

        :param path: a path in ``fields``, such as ``providers[0].website``
        """
        ancestor = path
        while ancestor:
            if ancestor in self.origins:
                return self.origins[ancestor] + path[len(ancestor):]
            ancestor = parent_path(ancestor)
        return self.origins.get("", path)

    def put(self, ours: str, value: Any, theirs: str) -> None:
        self.fields[ours] = value
        self.origins[ours] = theirs


def is_publiccode(filename: str, data: dict[str, Any]) -> bool:
    """Whether a parsed YAML file is a publiccode.yml.

    :param filename: the file's name (``publiccode.yml`` or ``publiccode.yaml`` count)
    :param data: its top-level mapping (a ``publiccodeYmlVersion`` key counts)
    """
    return filename.lower() in ("publiccode.yml", "publiccode.yaml") or "publiccodeYmlVersion" in data


def map_publiccode(data: dict[str, Any]) -> Mapped:
    """Map a parsed publiccode.yml onto submission fields.

    Scalars are passed through as written, so the submission validator reports a wrong type or
    value under the publiccode.yml name (``developmentStatus``, ``url``…). Containers of the
    wrong type are reported here, with publiccode.yml wording.

    :param data: the top-level mapping of a publiccode.yml
    """
    mapped = Mapped()
    mapped.origins.update({
        "name": "name", "repository": "url", "website": "landingURL", "status": "developmentStatus",
        "licence": "legal.license", "description": "description", "sectors": "", "tags": "categories",
        "languages": "localisation.availableLanguages", "adopters": "usedBy",
        "providers": "maintenance.contractors", "organisation": "legal",
    })
    for ours, theirs in (("name", "name"), ("repository", "url"), ("website", "landingURL"),
                         ("status", "developmentStatus")):
        if theirs in data:
            mapped.put(ours, data[theirs], theirs)
    mapped.fields["sectors"] = []
    _description(data, mapped)
    _legal(data, mapped)
    _languages(data, mapped)
    _used_by(data, mapped)
    _contractors(data, mapped)
    _tags(data, mapped)
    return mapped


def primary_language(tag: str) -> str | None:
    """The ISO 639-1 code of a BCP 47 tag's primary subtag, or ``None`` when it has none.

    :param tag: ``en``, ``fr-FR``, ``pt_BR``, ``fra``…
    """
    primary = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    if len(primary) == 2 and primary.isalpha():
        return primary
    alias = get_global("language_aliases").get(primary)
    if alias and len(alias.split("_")[0]) == 2:
        return alias.split("_")[0]
    return None


def _three_letter_language(code: str) -> bool:
    """A language CLDR names with a three-letter code (``ast``, ``fur``), so that a typo such as
    ``esp:`` or ``jap:`` is reported rather than its description silently dropped."""
    from babel import Locale

    return code in Locale("en").languages


def _known_language(code: str) -> bool:
    from registry.submissions import language_codes  # import cycle: submissions imports us

    return code in language_codes()


def _section(data: dict[str, Any], name: str, mapped: Mapped, expected: str) -> dict[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        mapped.problems.append(Problem(name, f"expected {expected}, got {describe(value)}"))
        return {}
    return value


def _list(data: dict[str, Any], name: str, path: str, mapped: Mapped, expected: str) -> list[Any]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        mapped.problems.append(Problem(path, f"expected {expected}, got {describe(value)}"))
        return []
    return value


def _language_tag_ok(tag: Any, path: str, mapped: Mapped, key: bool = False) -> str | None:
    if not isinstance(tag, str):
        mapped.problems.append(Problem(path, f"expected a language tag such as 'en', got {describe(tag)}", key))
        return None
    code = primary_language(tag)
    primary = tag.strip().replace("_", "-").split("-", 1)[0]
    if code is None and len(primary) == 3 and primary.isalpha() and _three_letter_language(primary.lower()):
        return None  # a real language with no ISO 639-1 code (ast, gsw, lld): nothing to map it to
    if code is None or not _known_language(code):
        shown = tag if len(tag) <= 40 else f"{tag[:36]}..."
        mapped.problems.append(Problem(
            path, f"unknown language tag {shown!r} (expected a BCP 47 tag such as 'en' or 'pt-BR')", key,
        ))
        return None
    return code


def _description(data: dict[str, Any], mapped: Mapped) -> None:
    section = _section(data, "description", mapped, "a mapping of language tags (en, it…) to descriptions")
    description: dict[str, Any] = {}
    for tag, body in section.items():
        path = join_path("description", tag)
        code = _language_tag_ok(tag, path, mapped, key=True)
        if code is None or code in description:
            continue
        if not isinstance(body, dict):
            mapped.problems.append(Problem(
                path, f"expected a mapping with shortDescription and longDescription, got {describe(body)}",
            ))
            continue
        if "shortDescription" in body:
            short = body["shortDescription"]
            # A one-line summary in the standard; editors write it as a | block, line breaks kept.
            description[code] = " ".join(short.split()) if isinstance(short, str) else short
            mapped.origins[f"description.{code}"] = f"{path}.shortDescription"
    mapped.fields["description"] = description


def _legal(data: dict[str, Any], mapped: Mapped) -> None:
    legal = _section(data, "legal", mapped, "a mapping with license, mainCopyrightOwner, repoOwner")
    if "license" in legal:
        mapped.put("licence", legal["license"], "legal.license")
    owners = [(f"legal.{key}", legal.get(key)) for key in ("mainCopyrightOwner", "repoOwner")]
    organisation = data.get("organisation")
    website = None
    if isinstance(organisation, dict):
        # publiccode.yml 0.5: organisation {uri, name} is the one that publishes the software,
        # which is what essforge calls the organisation; the copyright owner comes after it.
        owners.insert(0, ("organisation.name", organisation.get("name")))
        uri = organisation.get("uri")
        if isinstance(uri, str) and uri.strip().lower().startswith(("http://", "https://")):
            website = uri.strip()
    for path, owner in owners:
        if isinstance(owner, str) and owner.strip():
            mapped.fields["organisation"] = {"name": owner}
            mapped.origins["organisation"] = path
            mapped.origins["organisation.name"] = path
            if website and path == "organisation.name":
                mapped.fields["organisation"]["website"] = website
                mapped.origins["organisation.website"] = "organisation.uri"
            return


def _languages(data: dict[str, Any], mapped: Mapped) -> None:
    localisation = _section(data, "localisation", mapped, "a mapping with localisationReady and availableLanguages")
    path = "localisation.availableLanguages"
    languages: list[str] = []
    for index, tag in enumerate(_list(localisation, "availableLanguages", path, mapped, "a list of language tags")):
        code = _language_tag_ok(tag, f"{path}[{index}]", mapped)
        if code is not None and code not in languages:
            mapped.origins[f"languages[{len(languages)}]"] = f"{path}[{index}]"
            languages.append(code)
    mapped.fields["languages"] = languages


def _used_by(data: dict[str, Any], mapped: Mapped) -> None:
    adopters = []
    seen: set[str] = set()
    for index, name in enumerate(_list(data, "usedBy", "usedBy", mapped, "a list of names")):
        if len(adopters) >= MAX_ADOPTERS:
            break
        if isinstance(name, str):  # long lists name some bodies twice (Decidim, GlobaLeaks)
            key = " ".join(name.split()).casefold()
            if key in seen:
                continue
            seen.add(key)
        ours = f"adopters[{len(adopters)}]"
        mapped.origins[ours] = f"usedBy[{index}]"
        mapped.origins[f"{ours}.name"] = f"usedBy[{index}]"
        adopters.append({"name": name})
    mapped.fields["adopters"] = adopters


def _contractors(data: dict[str, Any], mapped: Mapped) -> None:
    maintenance = _section(data, "maintenance", mapped, "a mapping with type, contractors and contacts")
    path = "maintenance.contractors"
    providers = []
    for index, contractor in enumerate(_list(maintenance, "contractors", path, mapped, "a list of contractors")):
        if not isinstance(contractor, dict):
            mapped.problems.append(Problem(
                f"{path}[{index}]", f"expected a mapping with name, until, email and website, got {describe(contractor)}",
            ))
            continue
        provider = {key: contractor[key] for key in ("name", "website") if key in contractor}
        mapped.origins[f"providers[{len(providers)}]"] = f"{path}[{index}]"
        providers.append(provider)
    mapped.fields["providers"] = providers


def _tags(data: dict[str, Any], mapped: Mapped) -> None:
    audience = _section(data, "intendedAudience", mapped, "a mapping with scope, countries, unsupportedCountries")
    sources = [
        ("categories", _list(data, "categories", "categories", mapped, "a list of categories")),
        ("intendedAudience.scope",
         _list(audience, "scope", "intendedAudience.scope", mapped, "a list of scopes")),
    ]
    if isinstance(data.get("tags"), list):  # publiccode.yml 0.1
        sources.append(("tags", data["tags"]))
    tags: list[Any] = []
    seen: set[str] = set()
    for path, items in sources:
        for index, tag in enumerate(items):
            key = tag.strip().lower() if isinstance(tag, str) else repr(tag)
            if key in seen or len(tags) >= MAX_TAGS:
                continue
            seen.add(key)
            mapped.origins[f"tags[{len(tags)}]"] = f"{path}[{index}]"
            tags.append(tag)
    mapped.fields["tags"] = tags
