"""The submission model: load and validate one file (ours or ``publiccode.yml``).

``load_submission(path)`` gives back a normalised *project record* (docs/architecture.md) and a
list of ``SubmissionError``, each located as ``path:line:column: field: message``. The format is
documented in docs/submission-format.md and described by ``registry/schema/submission.schema.json``;
the schema checks the structure, this module turns its errors into plain sentences and checks what
a static schema cannot (taxonomy sectors, SPDX licences, country and language codes, URL schemes).
"""

from __future__ import annotations

import copy
import difflib
import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from babel import Locale
from babel.core import get_global
from jsonschema import Draft202012Validator

from registry import publiccode, safeyaml
from registry.errors import SubmissionError
from registry.licences import LicenceError, normalise_licence
from registry.paths import CHECKOUT_ROOT, submissions_dir
from registry.taxonomy import SECTOR_IDS

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "submission.schema.json"

FIELDS = (
    "name", "repository", "website", "description", "sectors", "licence", "status", "organisation",
    "languages", "audiences", "adopters", "providers", "contact", "tags",
)
REQUIRED = ("name", "repository", "sectors")
STATUSES = ("concept", "development", "beta", "stable", "obsolete")
LEGAL_FORMS = (
    "cooperative", "association", "mutual", "foundation", "social-enterprise", "public-body",
    "company", "community",
)
ORGANISATION_FIELDS = ("name", "legal_form", "country", "website")
PARTY_FIELDS = ("name", "website", "country")

# Names people write instead of ours; difflib alone cannot guess these.
FIELD_ALIASES = {
    "license": "licence", "licenses": "licence", "licences": "licence", "spdx": "licence",
    "url": "repository", "repo": "repository", "source": "repository", "code": "repository",
    "git": "repository", "repository_url": "repository", "source_code": "repository",
    "homepage": "website", "home": "website", "site": "website", "web": "website",
    "landingurl": "website",
    "sector": "sectors", "category": "sectors", "categories": "sectors",
    "organization": "organisation", "org": "organisation", "owner": "organisation",
    "developmentstatus": "status", "development_status": "status", "state": "status",
    "language": "languages", "lang": "languages", "locales": "languages",
    "audience": "audiences", "intendedaudience": "audiences",
    "usedby": "adopters", "used_by": "adopters", "users": "adopters", "adopter": "adopters",
    "provider": "providers", "contractors": "providers", "services": "providers",
    "email": "contact", "mail": "contact", "e-mail": "contact",
    "tag": "tags", "keywords": "tags", "topics": "tags",
    "summary": "description", "title": "name",
}
NESTED_ALIASES = {
    "legalform": "legal_form", "legal-form": "legal_form", "legal_status": "legal_form",
    "status": "legal_form", "type": "legal_form", "form": "legal_form",
    "url": "website", "homepage": "website", "site": "website", "web": "website",
    "nation": "country", "country_code": "country",
}
STATUS_SYNONYMS = {
    "production": "stable", "prod": "stable", "released": "stable", "release": "stable",
    "mature": "stable", "active": "stable", "maintained": "stable", "ga": "stable",
    "alpha": "beta", "rc": "beta", "preview": "beta", "testing": "beta", "pre-release": "beta",
    "prerelease": "beta", "dev": "development", "wip": "development", "in-development": "development",
    "in-progress": "development", "experimental": "development", "prototype": "development",
    "idea": "concept", "planning": "concept", "planned": "concept", "draft": "concept",
    "deprecated": "obsolete", "archived": "obsolete", "unmaintained": "obsolete",
    "abandoned": "obsolete", "inactive": "obsolete", "dead": "obsolete", "retired": "obsolete",
    "end-of-life": "obsolete", "eol": "obsolete",
}
LEGAL_FORM_SYNONYMS = {
    "coop": "cooperative", "co-op": "cooperative", "co-operative": "cooperative",
    "cooperative-society": "cooperative", "scop": "cooperative", "scic": "cooperative",
    "cooperativa": "cooperative", "coopérative": "cooperative", "genossenschaft": "cooperative",
    "asso": "association", "nonprofit": "association", "non-profit": "association",
    "not-for-profit": "association", "ngo": "association", "npo": "association",
    "association-loi-1901": "association", "asociación": "association", "verein": "association",
    "mutuelle": "mutual", "mutual-society": "mutual", "mutualité": "mutual",
    "fondation": "foundation", "fundación": "foundation", "stiftung": "foundation",
    "esus": "social-enterprise", "entreprise-sociale": "social-enterprise",
    "social-business": "social-enterprise", "b-corp": "social-enterprise",
    "public": "public-body", "public-administration": "public-body", "administration": "public-body",
    "government": "public-body", "municipality": "public-body", "collectivité": "public-body",
    "public-sector": "public-body", "local-authority": "public-body",
    "sarl": "company", "sas": "company", "sa": "company", "ltd": "company", "llc": "company",
    "gmbh": "company", "inc": "company", "corporation": "company", "business": "company",
    "enterprise": "company", "private-company": "company",
    "collective": "community", "informal": "community", "volunteers": "community",
    "open-source-community": "community", "team": "community",
}
_NOT_COUNTRIES = {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ", "AC", "CP", "CQ", "DG", "EA", "IC", "TA"}
_EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_SLUG_TEXT_RE = re.compile(r"[\w .+-]{1,60}\Z")


class InvalidSubmission(SubmissionError):
    """Several problems in one document; reads as the first one, ``errors`` holds them all.

    :param errors: every problem found, in file order
    """

    def __init__(self, errors: list[SubmissionError]):
        first = errors[0]
        self.errors = errors
        super().__init__(first.path, first.line, first.column, first.field, first.message)


@dataclass
class Loaded:
    """What ``_load`` knows about one file, for the checks that span several files."""

    record: dict[str, Any] | None
    errors: list[SubmissionError]
    display: str
    locate: Callable[[str], tuple[str, int, int]] | None = None
    raw_repository: str | None = None
    raw_id: str | None = None
    id_from_name: bool = False  # a file named publiccode.yml: its id comes from its name field


# --------------------------------------------------------------------------------------------
# Public API


def load_submission(path: str | Path) -> tuple[dict[str, Any] | None, list[SubmissionError]]:
    """Load and validate one submission file, ours or a ``publiccode.yml``.

    A file is read as publiccode.yml when it is named ``publiccode.yml``/``publiccode.yaml`` or
    when its top level has a ``publiccodeYmlVersion`` key.

    :param path: the YAML file
    :returns: ``(record, errors)``; ``record`` is the normalised project record of
        docs/architecture.md, or ``None`` when there are errors
    """
    loaded = _load(Path(path))
    return loaded.record, loaded.errors


def load_submission_text(
    text: str | bytes, source: str, stem: str | None = None
) -> tuple[dict[str, Any] | None, list[SubmissionError]]:
    """Validate a submission given as text (a web form, ``essforge new``), with the same safety.

    :param text: the YAML document (``str``, or UTF-8 ``bytes``)
    :param source: the name used in messages and as ``source_path``; a name ending in
        ``publiccode.yml`` reads the text as publiccode.yml
    :param stem: the file name without extension, which gives the id (default: from ``source``)
    :returns: ``(record, errors)`` as ``load_submission``
    """
    try:
        document = safeyaml.load_text(text, source)
    except SubmissionError as error:
        return None, [error]
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    if publiccode.is_publiccode(name, document.data):
        loaded = _from_publiccode(document, source, source)
    else:
        loaded = _from_submission(document, source, source, stem or Path(name).stem)
    return loaded.record, loaded.errors


def validate_paths(paths: Iterable[str | Path]) -> list[SubmissionError]:
    """Validate files, and what spans files: the same repository or id listed twice.

    A directory stands for its ``*.yml`` and ``*.yaml`` files.

    :param paths: the files (or directories) to check
    :returns: every error, file by file, in line order
    """
    errors: list[SubmissionError] = []
    seen_repositories: dict[str, Loaded] = {}
    seen_ids: dict[str, Loaded] = {}
    files, folder_errors = _expand(paths)
    errors.extend(folder_errors)
    for path in files:
        loaded = _load(path)
        errors.extend(loaded.errors)
        if loaded.locate is None:
            continue
        if loaded.raw_repository is not None:
            key = repository_key(loaded.raw_repository)
            first = seen_repositories.get(key)
            if first is None:
                seen_repositories[key] = loaded
            else:
                label, line, column = loaded.locate("repository")
                errors.append(SubmissionError(
                    loaded.display, line, column, label,
                    f"the repository {_show(loaded.raw_repository)} is already listed in {first.display}",
                ))
        if loaded.raw_id is not None:
            first = seen_ids.get(loaded.raw_id)
            if first is None:
                seen_ids[loaded.raw_id] = loaded
            elif loaded.id_from_name:
                # Renaming a publiccode.yml cannot help: it must keep that name in its repository.
                label, line, column = loaded.locate("name")
                errors.append(SubmissionError(
                    loaded.display, line, column, label,
                    f"the id {loaded.raw_id!r}, made from this name, is already used by {first.display};"
                    " submit this file as registry/submissions/<another-id>.yml: its file name then gives the id",
                ))
            else:
                errors.append(SubmissionError(
                    loaded.display, 1, 1, safeyaml.FILE_FIELD,
                    f"the id {loaded.raw_id!r} is already used by {first.display}; rename the file",
                ))
    return errors


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, directories replaced by their sorted ``*.yml`` and ``*.yaml`` files.

    A folder that cannot be listed, or has no such file, gives no path (``validate_paths``
    reports it).

    :param paths: files or directories
    """
    return _expand(paths)[0]


def _expand(paths: Iterable[str | Path]) -> tuple[list[Path], list[SubmissionError]]:
    files: list[Path] = []
    errors: list[SubmissionError] = []
    for path in paths:
        path = Path(path)
        if not (path.is_dir() and not path.is_symlink()):
            files.append(path)  # a missing path is reported by _load, with the others
            continue
        try:
            found = _yaml_files(path)
        except OSError as error:
            errors.append(SubmissionError(
                _display(path), 1, 1, safeyaml.FILE_FIELD,
                f"the folder cannot be read ({error.strerror or error})",
            ))
            continue
        if not found:
            errors.append(SubmissionError(
                _display(path), 1, 1, safeyaml.FILE_FIELD,
                "the folder has no .yml or .yaml file to check",
            ))
        files.extend(found)
    return files, errors


def default_submission_paths() -> list[Path]:
    """Every ``*.yml`` and ``*.yaml`` file of the ``registry/submissions`` folder, sorted."""
    return _yaml_files(submissions_dir())


def format_report(errors: list[SubmissionError], n_files: int) -> str:
    """The text ``essforge validate`` prints: one line per error, then a summary line.

    :param errors: from ``validate_paths``
    :param n_files: how many files were checked
    """
    lines = [str(error) for error in errors]
    files = "file" if n_files == 1 else "files"
    problems = "error" if len(errors) == 1 else "errors"
    lines.append(f"{n_files} {files} checked, {len(errors)} {problems}")
    return "\n".join(lines)


def parse_publiccode_text(text: str | bytes, source: str) -> dict[str, Any]:
    """Map a ``publiccode.yml`` fetched from a repository (for the crawler), with the same safety.

    :param text: the file's content (``str``, or UTF-8 ``bytes``)
    :param source: where it came from (URL or path), used in messages and as ``source_path``
    :raises InvalidSubmission: (a ``SubmissionError``) reading as the first problem, with
        ``.errors`` holding all of them
    """
    try:
        document = safeyaml.load_text(text, source)
    except SubmissionError as error:
        raise InvalidSubmission([error]) from None
    loaded = _from_publiccode(document, source, source)
    if loaded.errors:
        raise InvalidSubmission(loaded.errors)
    assert loaded.record is not None
    return loaded.record


def normalise_repository(url: str) -> str:
    """Lowercase scheme and host, no default port, no trailing slash, no ``.git``, no fragment.

    :param url: an http(s) URL already accepted by ``url_problem``
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    path = parts.path.rstrip("/")
    if path.lower().endswith(".git"):
        path = path[:-4].rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{host}{path}{query}"


def repository_key(url: str) -> str:
    """The key under which two repository URLs count as the same project.

    Forges treat owner and project names case-insensitively and serve both http and https, so
    the key drops the scheme, a leading ``www.`` and the case.

    :param url: a repository URL
    """
    try:
        normalised = normalise_repository(url)
    except ValueError:
        normalised = url.strip()
    key = normalised.split("://", 1)[-1].lower()
    return key[4:] if key.startswith("www.") else key


def url_problem(value: str) -> str | None:
    """Why ``value`` is not an acceptable http(s) URL, or ``None`` when it is.

    :param value: the URL as written
    """
    expected = f"expected an http:// or https:// URL, got {_show(value)}"
    if any(character.isspace() or unicodedata.category(character) == "Cc" for character in value):
        return f"{expected} (a URL cannot contain spaces)"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return expected
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        fixed = _suggest_url(value)
        return f"{expected} (did you mean {fixed!r}?)" if fixed else expected
    if not parts.hostname or value.lower().startswith(f"{scheme}:///"):
        return f"{expected} (no host name)"
    if not _host_ok(parts.hostname):
        return f"{expected} (the host name {_show(parts.hostname)} is not valid)"
    if parts.password is not None:
        # Never shown back: the message gives the URL without the user name and the password.
        return f"a URL must not contain a password; write it without them: {without_user(value)!r}"
    return None


# A DNS label (letters, digits, inner hyphens; the underscores some real hosts have), once an
# international name is in its ASCII (IDNA) form.
_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\Z")


def _host_ok(host: str) -> bool:
    """A host name of dot-separated labels, or an IP address: not ``"onmouseover=…``, ``<script>``,
    ``x..org``, ``-`` or a name with an invisible character (U+200B, U+202E) in it."""
    import ipaddress

    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    if any(unicodedata.category(c) in ("Cf", "Zs", "Zl", "Zp") for c in host):
        return False
    try:
        ascii_host = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    return bool(ascii_host) and all(_LABEL_RE.match(label) for label in ascii_host.split("."))


def without_user(url: str) -> str:
    """``url`` without a user name (``https://org@dev.azure.com/org/...``, the clone URL Azure
    DevOps shows): accepted, but not published as written.

    :param url: an http(s) URL
    """
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()


def licence_problem(value: str) -> str | None:
    """Why ``value`` is not a licence essforge can normalise, or ``None`` when it is.

    A near miss gets the closest SPDX id; an ambiguous or misleading value (``BSD``,
    ``Public Domain``) gets the licences module's explanation and choices.

    :param value: the licence as written
    """
    try:
        normalise_licence(value)
    except LicenceError as error:
        hint = getattr(error, "suggestion", None)
        if hint:
            return f"unknown licence {_show(value)} (did you mean {hint!r}?)"
        message = str(error)
        return message if message.startswith("unknown licence") else f"unknown licence {_show(value)}: {message}"
    return None


def contact_problem(value: str) -> str | None:
    """Why ``value`` is not a public contact (http(s) URL, ``mailto:`` link, email address).

    :param value: the contact as written
    """
    expected = f"expected an http:// or https:// URL, a mailto: link or an email address, got {_show(value)}"
    lowered = value.lower()
    if lowered.startswith("mailto:"):
        address = value[len("mailto:"):].split("?", 1)[0]
        return None if _EMAIL_RE.match(address) else expected
    if lowered.startswith(("http://", "https://")):
        return url_problem(value)
    if "@" in value and ":" not in value:
        return None if _EMAIL_RE.match(value) else expected
    return expected


def suggest(value: str, choices: Iterable[str], synonyms: dict[str, str] | None = None) -> str | None:
    """The choice ``value`` was probably meant to be (synonym, case, or close spelling).

    :param value: what was written
    :param choices: the accepted values
    :param synonyms: lowercase words → accepted value, for guesses difflib cannot make
    """
    choices = list(choices)
    key = value.strip().lower().replace("_", "-").replace(" ", "-")
    if synonyms:
        for candidate in (value.strip().lower(), key, key.replace("-", "")):
            if candidate in synonyms:
                return synonyms[candidate]
    lowered = {choice.lower(): choice for choice in choices}
    if key in lowered:
        return lowered[key]
    close = difflib.get_close_matches(key, list(lowered), n=1, cutoff=0.6)
    return lowered[close[0]] if close else None


def slugify(text: str, max_length: int = 64) -> str:
    """A lowercase ASCII id made of letters, digits and dashes ("Bénévalibre" → "benevalibre").

    :param text: a name or file stem
    :param max_length: the longest id returned
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (from CLDR via babel; ``XK``, Kosovo, is accepted too)."""
    territories = Locale("en").territories
    return frozenset(
        code for code in territories
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


@cache
def language_codes() -> frozenset[str]:
    """ISO 639-1 two-letter language codes (from CLDR via babel)."""
    return frozenset(code for code in Locale("en").languages if len(code) == 2 and code.isalpha())


def country_suggestion(value: str) -> str | None:
    """The ISO 3166-1 alpha-2 code meant by ``value`` ("FRA", "UK", "France"…), if any.

    :param value: what was written
    """
    upper = value.strip().upper()
    aliases = get_global("territory_aliases")
    for alias in aliases.get(upper, ()):
        if alias in country_codes():
            return alias
    names = _country_names()
    lowered = value.strip().lower()
    if lowered in names:
        return names[lowered]
    if len(lowered) > 3:
        close = difflib.get_close_matches(lowered, list(names), n=1, cutoff=0.8)
        if close:
            return names[close[0]]
    return None


def language_suggestion(value: str) -> str | None:
    """The ISO 639-1 code meant by ``value`` ("fra", "fr-FR", "French", "français"…), if any.

    :param value: what was written
    """
    lowered = value.strip().lower().replace("_", "-")
    primary = lowered.split("-", 1)[0]
    if primary in language_codes() and primary != lowered:
        return primary
    alias = get_global("language_aliases").get(primary)
    if alias and alias.split("_")[0] in language_codes():
        return alias.split("_")[0]
    names = _language_names()
    if lowered in names:
        return names[lowered]
    if len(lowered) > 3:
        close = difflib.get_close_matches(lowered, list(names), n=1, cutoff=0.8)
        if close:
            return names[close[0]]
    return None


@cache
def submission_schema(require_sectors: bool = True) -> dict[str, Any]:
    """The JSON Schema of a submission, with the sector ids of the taxonomy.

    :param require_sectors: ``False`` for publiccode.yml, which has no sectors (they are inferred)
    """
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    # The taxonomy is the source of truth; tests check the shipped file agrees with it.
    schema["properties"]["sectors"]["items"]["enum"] = list(SECTOR_IDS)
    schema["properties"]["sectors"]["maxItems"] = len(SECTOR_IDS)
    if not require_sectors:
        schema = copy.deepcopy(schema)
        schema["required"] = [name for name in schema["required"] if name != "sectors"]
        schema["properties"]["sectors"]["minItems"] = 0
    return schema


# --------------------------------------------------------------------------------------------
# Loading


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(
        path for path in folder.iterdir()
        if path.suffix in (".yml", ".yaml") and not path.name.startswith(".")
    )


def _display(path: Path) -> str:
    """The path as given, or relative to the current folder when an absolute path is under it.

    Characters that are not printable (a newline, or bytes that are not UTF-8) are escaped.
    """
    if path.is_absolute():
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            pass
    return safeyaml.printable(str(path))


def _source_path(path: Path) -> str:
    """Where a submission was read from, as the registry publishes it (provenance, project page):
    relative to the checkout, else its folder's name and its own; never an absolute path of the
    machine that built."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(CHECKOUT_ROOT).as_posix()
    except ValueError:
        return safeyaml.printable(f"{resolved.parent.name}/{resolved.name}")


def _load(path: Path) -> Loaded:
    display = _display(path)
    try:
        document = safeyaml.load_path(path, display)
    except SubmissionError as error:
        return Loaded(None, [error], display)
    if publiccode.is_publiccode(path.name, document.data):
        return _from_publiccode(document, display, _source_path(path), path.stem)
    return _from_submission(document, display, _source_path(path), path.stem)


def _from_submission(document: safeyaml.Document, display: str, source_path: str, stem: str) -> Loaded:
    def locate(path: str, key: bool = False) -> tuple[str, int, int]:
        line, column = document.locate(path, key)
        return path or safeyaml.FILE_FIELD, line, column

    checker = _Checker(display, locate, submission_schema(True))
    checker.check(document.data)
    errors = checker.sorted_errors()
    record_id = slugify(stem)
    if not record_id:
        errors.insert(0, SubmissionError(
            display, 1, 1, safeyaml.FILE_FIELD,
            "the file name gives an empty id; name the file after the project, for example 'my-project.yml'",
        ))
    repository = document.data.get("repository")
    record = None
    if not errors:
        record = _record(document.data, record_id, "submission", source_path)
    return Loaded(
        record, errors, display, locate,
        repository.strip() if isinstance(repository, str) and url_problem(repository.strip()) is None else None,
        record_id or None,
    )


def _from_publiccode(document: safeyaml.Document, display: str, source_path: str, stem: str = "publiccode") -> Loaded:
    """A publiccode.yml, mapped. Submitted as ``registry/submissions/<id>.yml`` its file name gives
    the id, as for our own format; a file named ``publiccode.yml`` takes it from ``name``."""
    mapped = publiccode.map_publiccode(document.data)

    def locate(path: str, key: bool = False) -> tuple[str, int, int]:
        label = mapped.label(path)
        line, column = document.locate(label, key)
        return label or safeyaml.FILE_FIELD, line, column

    errors = [
        SubmissionError(
            display, *document.locate(problem.path, problem.key), safeyaml.printable(problem.path), problem.message
        )
        for problem in mapped.problems
    ]
    checker = _Checker(display, locate, submission_schema(False), publiccode=True)
    checker.check(mapped.fields)
    errors.extend(checker.errors)
    errors.sort(key=lambda error: (error.line or 0, error.column or 0))
    fields = mapped.fields
    name = fields.get("name")
    id_from_name = stem.lower() == "publiccode" or not slugify(stem)
    record_id = slugify(stem) if not id_from_name else slugify(name) if isinstance(name, str) else ""
    repository = fields.get("repository")
    if not record_id and isinstance(repository, str):
        try:
            last = urlsplit(repository).path.rstrip("/").rsplit("/", 1)[-1]
        except ValueError:  # 'https://[x': reported by url_problem
            last = ""
        record_id = slugify(last.removesuffix(".git"))
    record = None
    if not errors:
        record = _record(fields, record_id or "project", "publiccode", source_path)
    return Loaded(
        record, errors, display, locate,
        repository.strip() if isinstance(repository, str) and url_problem(repository.strip()) is None else None,
        record_id or None,
        id_from_name,
    )


def _record(data: dict[str, Any], record_id: str, source: str, source_path: str) -> dict[str, Any]:
    def text(value: Any) -> str | None:
        return value.strip() if isinstance(value, str) and value.strip() else None

    def url(value: Any) -> str | None:
        found = text(value)
        return without_user(found) if found and found.lower().startswith(("http://", "https://")) else found

    def party(item: dict[str, Any]) -> dict[str, Any]:
        country = text(item.get("country"))
        return {
            "name": text(item.get("name")),
            "website": url(item.get("website")),
            "country": country.upper() if country else None,
        }

    organisation = data.get("organisation")
    if isinstance(organisation, dict) and any(text(organisation.get(name)) for name in ORGANISATION_FIELDS):
        country = text(organisation.get("country"))
        organisation = {
            "name": text(organisation.get("name")),
            "legal_form": text(organisation.get("legal_form")),
            "country": country.upper() if country else None,
            "website": url(organisation.get("website")),
        }
    else:
        organisation = None
    return {
        "id": record_id,
        "name": data["name"].strip(),
        "repository": normalise_repository(data["repository"]),
        "website": url(data.get("website")),
        "description": {
            language.strip().lower(): body.strip()
            for language, body in (data.get("description") or {}).items()
        },
        "sectors": list(data.get("sectors") or []),
        "licence": text(data.get("licence")),
        "status": text(data.get("status")),
        "organisation": organisation,
        "languages": [language.strip().lower() for language in data.get("languages") or []],
        "audiences": [item.strip() for item in data.get("audiences") or []],
        "tags": [item.strip() for item in data.get("tags") or []],
        "adopters": [party(item) for item in data.get("adopters") or []],
        "providers": [party(item) for item in data.get("providers") or []],
        "contact": url(data.get("contact")),
        "source": source,
        "source_path": source_path,
    }


# --------------------------------------------------------------------------------------------
# Checking


class _Checker:
    """Schema errors in plain sentences, then the checks a static schema cannot make."""

    def __init__(
        self,
        display: str,
        locate: Callable[..., tuple[str, int, int]],
        schema: dict[str, Any],
        publiccode: bool = False,
    ):
        self.display = display
        self.locate = locate
        self.schema = schema
        self.publiccode = publiccode
        self.errors: list[SubmissionError] = []
        self.bad_paths: set[str] = set()
        self._seen: set[tuple[str, str]] = set()

    def report(self, path: str, message: str, key: bool = False) -> None:
        label, line, column = self.locate(path, key)
        # One message per field: a value of the wrong type is not also "unknown".
        if path in self.bad_paths or (label, message) in self._seen:
            return
        self._seen.add((label, message))
        self.bad_paths.add(path)
        self.errors.append(SubmissionError(self.display, line, column, safeyaml.printable(label), message))

    def sorted_errors(self) -> list[SubmissionError]:
        return sorted(self.errors, key=lambda error: (error.line or 0, error.column or 0))

    def is_bad(self, path: str) -> bool:
        """Whether ``path`` or a field that holds it (``tags`` for ``tags[3]``) is reported.

        Looks up the path's own prefixes, not every reported path: a list of 10,000 bad items
        took 10 s with the scan."""
        bad = self.bad_paths
        if not bad:
            return False
        return path in bad or any(path[:i] in bad for i, c in enumerate(path) if c in ".[")

    def check(self, data: dict[str, Any]) -> None:
        validator = Draft202012Validator(self.schema)
        for error in validator.iter_errors(data):
            self._schema_error(error)
        self._check_values(data)

    # -- schema errors ----------------------------------------------------------------------

    def _schema_error(self, error: Any) -> None:
        path = _json_path(error.absolute_path)
        schema = error.schema
        instance = error.instance
        kind = error.validator
        if kind == "type":
            expected = schema.get("x-expected", _type_names(error.validator_value))
            if instance is None and path in REQUIRED:
                self.report(path, f"required field is empty; expected {expected}")
            else:
                self.report(path, _type_message(expected, instance, path, self.publiccode))
        elif kind == "required":
            for name in error.validator_value:
                if name not in instance:
                    self.report(safeyaml.join_path(path, name), "required field is missing")
        elif kind == "additionalProperties":
            known = list(schema.get("properties", {}))
            aliases = FIELD_ALIASES if not path else NESTED_ALIASES
            for name in instance:
                if name not in known:
                    hint = suggest(name, known, {k: v for k, v in aliases.items() if v in known})
                    message = "unknown field"
                    if hint:
                        message += f" (did you mean {hint!r}?)"
                    else:
                        message += f"; the fields are: {', '.join(known)}"
                    self.report(safeyaml.join_path(path, name), message, key=True)
        elif kind == "enum":
            noun = schema.get("x-noun", "value")
            choices = [choice for choice in error.validator_value if choice is not None]
            synonyms = {"status": STATUS_SYNONYMS, "legal form": LEGAL_FORM_SYNONYMS}.get(noun)
            self.report(path, _unknown(noun, instance, choices, synonyms))
        elif kind == "minLength":
            self.report(path, "must not be empty")
        elif kind == "maxLength":
            self.report(path, f"is too long ({len(instance)} characters; the limit is {error.validator_value})")
        elif kind == "minItems":
            if path == "sectors":
                self.report(path, "give at least one sector id")
            else:
                self.report(path, f"give at least {error.validator_value} item(s)")
        elif kind in ("maxItems", "maxProperties"):
            self.report(path, f"too many items ({len(instance)}; the limit is {error.validator_value})")
        else:  # pragma: no cover - every keyword of our schema is handled above
            self.report(path, error.message)

    # -- value checks -----------------------------------------------------------------------

    def _check_values(self, data: dict[str, Any]) -> None:
        name = data.get("name")
        if isinstance(name, str) and not name.strip() and not self.is_bad("name"):
            self.report("name", "must not be empty")
        for path, value in self._strings(data, ("repository", "website")):
            self._url(path, value)
        organisation = data.get("organisation")
        if isinstance(organisation, dict):
            self._party("organisation", organisation)
        for list_name in ("adopters", "providers"):
            items = data.get(list_name)
            if isinstance(items, list):
                for index, item in enumerate(items):
                    if isinstance(item, dict):
                        self._party(f"{list_name}[{index}]", item)
        contact = data.get("contact")
        if isinstance(contact, str) and not self.is_bad("contact"):
            problem = contact_problem(contact.strip())
            if problem:
                self.report("contact", problem)
        licence = data.get("licence")
        if isinstance(licence, str) and licence.strip() and not self.is_bad("licence"):
            self._licence(licence.strip())
        description = data.get("description")
        if isinstance(description, dict):
            self._description(description)
        self._list_of_codes(data, "languages")
        for list_name in ("sectors", "tags", "audiences"):
            self._duplicates(data, list_name)

    def _strings(self, data: dict[str, Any], names: Iterable[str]) -> Iterable[tuple[str, str]]:
        for name in names:
            value = data.get(name)
            if isinstance(value, str) and not self.is_bad(name):
                yield name, value

    def _url(self, path: str, value: str) -> None:
        problem = url_problem(value.strip())
        if problem:
            self.report(path, problem)

    def _party(self, path: str, item: dict[str, Any]) -> None:
        website = item.get("website")
        if isinstance(website, str) and not self.is_bad(f"{path}.website"):
            self._url(f"{path}.website", website)
        country = item.get("country")
        if isinstance(country, str) and not self.is_bad(f"{path}.country"):
            self._country(f"{path}.country", country)
        name = item.get("name")
        if isinstance(name, str) and not name.strip() and not self.is_bad(f"{path}.name"):
            self.report(f"{path}.name", "must not be empty")

    def _country(self, path: str, value: str) -> None:
        if value.strip().upper() in country_codes() and len(value.strip()) == 2:
            return
        hint = country_suggestion(value)
        message = f"unknown country code {_show(value)}"
        message += f" (did you mean {hint!r}?)" if hint else " (expected an ISO 3166-1 alpha-2 code such as 'FR')"
        self.report(path, message)

    def _language(self, path: str, value: str, key: bool = False) -> None:
        if value.strip().lower() in language_codes() and len(value.strip()) == 2:
            return
        hint = language_suggestion(value)
        message = f"unknown language code {_show(value)}"
        message += f" (did you mean {hint!r}?)" if hint else " (expected an ISO 639-1 code such as 'fr')"
        self.report(path, message, key=key)

    def _licence(self, value: str) -> None:
        problem = licence_problem(value)
        if problem:
            self.report("licence", problem)

    def _description(self, description: dict[str, Any]) -> None:
        if self.is_bad("description"):
            return
        seen: dict[str, str] = {}
        for language, body in description.items():
            path = safeyaml.join_path("description", language)
            self._language(path, language, key=True)
            normalised = language.strip().lower()
            if normalised in seen and not self.is_bad(path):
                self.report(path, f"language {normalised!r} is given twice", key=True)
            seen.setdefault(normalised, path)
            if isinstance(body, str) and not body.strip() and not self.is_bad(path):
                self.report(path, "must not be empty")

    def _list_of_codes(self, data: dict[str, Any], list_name: str) -> None:
        items = data.get(list_name)
        if not isinstance(items, list) or self.is_bad(list_name):
            return
        for index, item in enumerate(items):
            path = f"{list_name}[{index}]"
            if isinstance(item, str) and not self.is_bad(path):
                self._language(path, item)
        self._duplicates(data, list_name)

    def _duplicates(self, data: dict[str, Any], list_name: str) -> None:
        items = data.get(list_name)
        if not isinstance(items, list):
            return
        first: dict[str, int] = {}
        for index, item in enumerate(items):
            path = f"{list_name}[{index}]"
            if not isinstance(item, str) or self.is_bad(path):
                continue
            normalised = item.strip().lower()
            if normalised in first:
                self.report(path, f"{_show(item)} is listed twice (first as {list_name}[{first[normalised]}])")
            else:
                first[normalised] = index


# --------------------------------------------------------------------------------------------
# Helpers


def _json_path(parts: Iterable[Any]) -> str:
    path = ""
    for part in parts:
        path = safeyaml.join_path(path, part)
    return path


def _show(value: Any, limit: int = 80) -> str:
    """``repr`` of a value, cut short: messages stay one line and never dump a whole file."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 4]}...{text[-1]}"


def _type_names(types: Any) -> str:
    names = {
        "string": "a string", "array": "a list", "object": "a mapping", "integer": "an integer",
        "number": "a number", "boolean": "a boolean", "null": "nothing",
    }
    if isinstance(types, str):
        types = [types]
    return " or ".join(names.get(name, name) for name in types if name != "null")


def _type_message(expected: str, instance: Any, path: str, publiccode: bool) -> str:
    message = f"expected {expected}, got {safeyaml.describe(instance)}"
    if instance is None:
        return f"{message}; fill it in or remove the line"
    if expected.startswith("a list") and isinstance(instance, str):
        if "organisations" in expected:
            return f"{message}; write one '- name: ...' entry per organisation"
        if _SLUG_TEXT_RE.match(instance.strip()) and not publiccode:
            return f"{message}; write it as a list: {path}: [{instance.strip()}]"
        return f"{message}; write it as a list"
    if isinstance(instance, (bool, int, float)) and (expected.startswith("a ") or expected.startswith("an ")):
        if "list" not in expected and "mapping" not in expected:
            return f"{message}; put it in quotes if you meant the text"
    if expected.startswith("a mapping of language code") and isinstance(instance, str):
        return f"{message}; write it as 'description:' then one line per language such as '  en: ...'"
    return message


def _unknown(noun: str, value: Any, choices: list[str], synonyms: dict[str, str] | None) -> str:
    message = f"unknown {noun} {_show(value)}"
    hint = suggest(value, choices, synonyms) if isinstance(value, str) else None
    if hint:
        return f"{message} (did you mean {hint!r}?)"
    if noun == "sector":
        return f"{message} (the sector ids are listed in docs/submission-format.md)"
    return f"{message} (expected one of: {', '.join(choices)})"


@cache
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for locale in ("en", "fr", "es", "de", "it", "pt"):
        for code, name in Locale(locale).territories.items():
            if code in country_codes():
                names.setdefault(name.lower(), code)
    return names


@cache
def _language_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for locale in ("en", "fr", "es", "de", "it", "pt"):
        for code, name in Locale(locale).languages.items():
            if code in language_codes():
                names.setdefault(name.lower(), code)
    for code in language_codes():  # native names: "français", "deutsch", "español"…
        try:
            native = Locale(code).get_display_name(code)
        except Exception:  # noqa: BLE001 - babel has no data for a few ISO 639-1 codes
            continue
        if native:
            names.setdefault(native.lower(), code)
    return names


def _suggest_url(value: str) -> str | None:
    match = re.match(r"^(?:ssh://)?git@([\w.-]+)[:/](.+)$", value)
    if match:
        return f"https://{match.group(1)}/{match.group(2).removesuffix('.git')}"
    if re.match(r"^(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?$", value):
        return f"https://{value}"
    return None
