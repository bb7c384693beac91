"""``essforge new``: a commented template for a new submission, valid as written.

Comments are in plain English and French. The required fields are filled in from the answers;
the optional ones are written as comments, so the file validates before the maintainer adds
anything, and each optional field is one ``#`` away from being used.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from registry.errors import EssforgeError
from registry.paths import submissions_dir
from registry.submissions import (
    LEGAL_FORMS,
    STATUSES,
    licence_problem,
    load_submission_text,
    slugify,
    suggest,
    url_problem,
)
from registry.taxonomy import SECTOR_IDS

MAX_ATTEMPTS = 10


class TemplateError(EssforgeError):
    """An answer for ``essforge new`` cannot make a valid submission, or the file exists."""


def ask_questions(prompt_fn: Callable[..., Any], answers: dict[str, Any] | None = None) -> dict[str, Any]:
    """Ask for what ``write_template`` needs, skipping what ``answers`` already has.

    Each answer is checked at once; a wrong one is asked again with the reason.

    :param prompt_fn: ``click.prompt``, or any function called as
        ``prompt_fn(text, default=..., show_default=False)`` that returns the typed text
    :param answers: known answers (from the command-line flags): ``name``, ``repository``,
        ``sectors`` (a list), ``licence``, ``website``
    :returns: the answers, with ``sectors`` as a list
    """
    answers = dict(answers or {})
    questions: list[tuple[str, str, bool, Callable[[str], tuple[Any, str | None]]]] = [
        ("name", "Project name / Nom du projet", True, _check_name),
        ("repository", "Repository URL / URL du dépôt (https://…)", True, _check_url),
        ("sectors",
         "Sectors, separated by commas / Secteurs, séparés par des virgules ("
         + ", ".join(SECTOR_IDS) + ")",
         True, _check_sectors),
        ("licence", "Licence, SPDX (e.g. AGPL-3.0-or-later; empty to skip / vide pour passer)", False,
         _check_licence),
        ("website", "Website / Site web (https://…; empty to skip / vide pour passer)", False, _check_url),
    ]
    for key, question, required, check in questions:
        text = question
        given = answers.get(key)
        if isinstance(given, (list, tuple)):
            given = ",".join(str(item) for item in given)
        if given:  # from a flag: keep it when it is right, ask again when it is not
            value, problem = check(str(given).strip())
            if problem is None:
                answers[key] = value
                continue
            text = f"{question} [{problem}]"
        for _ in range(MAX_ATTEMPTS):
            raw = prompt_fn(text, default="", show_default=False)
            raw = "" if raw is None else str(raw).strip()
            if not raw and not required:
                answers[key] = None
                break
            value, problem = check(raw) if raw else (None, "this answer is required / réponse obligatoire")
            if problem is None:
                answers[key] = value
                break
            text = f"{question} [{problem}]"
        else:
            raise TemplateError(f"{key}: no valid answer after {MAX_ATTEMPTS} attempts")
    return answers


def default_template_path(answers: dict[str, Any]) -> Path:
    """``registry/submissions/<slug of the name>.yml``.

    :param answers: with at least ``name``
    """
    slug = slugify(str(answers.get("name") or ""))
    if not slug:
        raise TemplateError("name: cannot make a file name from it; give --output")
    return submissions_dir() / f"{slug}.yml"


def write_template(path: Path | None, answers: dict[str, Any], force: bool = False) -> Path:
    """Write the commented template, checking first that it validates.

    :param path: where to write it; ``None`` for ``registry/submissions/<slug>.yml``
    :param answers: ``name``, ``repository``, ``sectors`` (list, or a comma-separated string),
        and optionally ``licence`` and ``website``
    :param force: overwrite an existing file
    :returns: the path written
    :raises TemplateError: an answer is invalid, or the file exists and ``force`` is false
    """
    clean = _clean_answers(answers)
    path = Path(path) if path is not None else default_template_path(clean)
    text = render_template(clean)
    _record, errors = load_submission_text(text, str(path), stem=slugify(path.stem) or "project")
    if errors:  # the answers were checked, so this is a bug; say what is wrong anyway
        raise TemplateError("; ".join(f"{error.field}: {error.message}" for error in errors))
    if path.exists() and not force:
        raise TemplateError(f"{path} already exists; choose another --output, or use --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def render_template(answers: dict[str, Any]) -> str:
    """The template's text for checked answers (see ``write_template``).

    :param answers: ``name``, ``repository``, ``sectors`` (list), optional ``licence``, ``website``
    """
    clean = _clean_answers(answers)
    sector_lines = "\n".join(f"  - {sector}" for sector in clean["sectors"])
    sector_list = _wrap_comment(", ".join(SECTOR_IDS))
    licence = clean.get("licence")
    website = clean.get("website")
    licence_line = f"licence: {_quote(licence)}" if licence else '# licence: "AGPL-3.0-or-later"'
    website_line = f"website: {_quote(website)}" if website else '# website: "https://example.org"'
    return f"""\
# essforge submission: one free software project for the social and solidarity economy.
# Fiche essforge : un logiciel libre pour l'économie sociale et solidaire.
#
# The format is explained field by field in docs/submission-format.md.
# Le format est expliqué champ par champ dans docs/submission-format.md.
# Check the file with / Vérifiez le fichier avec :  essforge validate <this file / ce fichier>
#
# Lines starting with "#" are comments. To fill in an optional field, remove the "#" in front
# of it (and of the lines below it) and replace the example value.
# Les lignes qui commencent par « # » sont des commentaires. Pour remplir un champ facultatif,
# enlevez le « # » devant lui (et devant les lignes en dessous) et remplacez la valeur d'exemple.

# The project's public name. (required)
# Le nom public du projet. (obligatoire)
name: {_quote(clean["name"])}

# The address (http or https) of the source code repository. (required)
# L'adresse (http ou https) du dépôt du code source. (obligatoire)
repository: {_quote(clean["repository"])}

# The sectors of the social and solidarity economy the software serves; the first is the main
# one. (required, at least one)
# Les secteurs de l'économie sociale et solidaire que sert le logiciel ; le premier est le
# principal. (obligatoire, au moins un)
# Sector ids / identifiants des secteurs :
{sector_list}
sectors:
{sector_lines}

# The licence, as an SPDX expression (https://spdx.org/licenses/), for example
# "AGPL-3.0-or-later" or "GPL-3.0-only OR MIT".
# La licence, sous forme d'expression SPDX (https://spdx.org/licenses/), par exemple
# « AGPL-3.0-or-later » ou « GPL-3.0-only OR MIT ».
{licence_line}

# The project's website, if it has one besides the repository.
# Le site web du projet, s'il en a un en plus du dépôt.
{website_line}

# What the software does, in one or two sentences per language (language code: text).
# Ce que fait le logiciel, en une ou deux phrases par langue (code de langue : texte).
# description:
#   en: "One or two sentences saying what the software does and for whom."
#   fr: "Une ou deux phrases qui disent ce que fait le logiciel et pour qui."

# How far along the project is: {", ".join(STATUSES)}.
# L'état d'avancement du projet : concept, development (en développement), beta, stable,
# obsolete (obsolète).
# status: stable

# The organisation that leads the project. legal_form is one of:
# L'organisation qui porte le projet. legal_form vaut l'une de ces formes :
{_wrap_comment(", ".join(LEGAL_FORMS))}
# country: ISO 3166-1 two-letter code / code pays à deux lettres (FR, BE, ES…).
# organisation:
#   name: "Our Cooperative"
#   legal_form: cooperative
#   country: FR
#   website: "https://example.org"

# The languages of the user interface (ISO 639-1 two-letter codes).
# Les langues de l'interface (codes ISO 639-1 à deux lettres).
# languages: [fr, en]

# Who the software is for, in a few words each.
# À qui s'adresse le logiciel, en quelques mots chacun.
# audiences: [associations, cooperatives, municipalities]

# Organisations that use the software (name, website, country).
# Les organisations qui utilisent le logiciel (nom, site web, pays).
# adopters:
#   - name: "A user association"
#     website: "https://example.org"
#     country: FR

# Organisations that offer services around it: hosting, installation, training, support.
# Les organisations qui proposent des services autour : hébergement, installation, formation,
# assistance.
# providers:
#   - name: "A hosting cooperative"
#     website: "https://example.net"
#     country: BE

# A public contact for the project: a web page (forum, chat) or an email address.
# Un contact public pour le projet : une page web (forum, messagerie) ou une adresse courriel.
# contact: "https://forum.example.org"

# Free keywords. / Mots-clés libres.
# tags: [self-hosting, membership]
"""


# --------------------------------------------------------------------------------------------


def _clean_answers(answers: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for key, check, required in (
        ("name", _check_name, True),
        ("repository", _check_url, True),
        ("sectors", _check_sectors, True),
        ("licence", _check_licence, False),
        ("website", _check_url, False),
    ):
        raw = answers.get(key)
        if isinstance(raw, (list, tuple)):
            raw = ",".join(str(item) for item in raw)
        raw = "" if raw is None else str(raw).strip()
        if not raw:
            if required:
                raise TemplateError(f"{key}: required")
            clean[key] = None
            continue
        value, problem = check(raw)
        if problem is not None:
            raise TemplateError(f"{key}: {problem}")
        clean[key] = value
    return clean


def _printable(text: str) -> bool:
    return all(unicodedata.category(character)[0] != "C" and character not in "\u2028\u2029\x85"
               for character in text)


def _check_name(raw: str) -> tuple[Any, str | None]:
    if len(raw) > 200:
        return None, "too long (the limit is 200 characters)"
    if not _printable(raw):
        return None, "must not contain control characters"
    return raw, None


def _check_url(raw: str) -> tuple[Any, str | None]:
    if len(raw) > 500:
        return None, "too long (the limit is 500 characters)"
    return raw, url_problem(raw)


def _check_sectors(raw: str) -> tuple[Any, str | None]:
    sectors: list[str] = []
    for item in re.split(r"[,\s]+", raw):
        if not item:
            continue
        if item not in SECTOR_IDS:
            hint = suggest(item, SECTOR_IDS)
            shown = item if len(item) <= 40 else f"{item[:36]}..."
            message = f"unknown sector {shown!r}"
            return None, f"{message} (did you mean {hint!r}?)" if hint else message
        if item not in sectors:
            sectors.append(item)
    if not sectors:
        return None, "give at least one sector id"
    return sectors, None


def _check_licence(raw: str) -> tuple[Any, str | None]:
    if len(raw) > 300 or not _printable(raw):
        return None, "not a licence expression"
    # The same words as `essforge validate`: the closest id, or why the value is refused and
    # which licences it may mean ("BSD", "Public Domain").
    return raw, licence_problem(raw)


def _quote(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar; _printable() keeps out the line
    # separators on which the two differ.
    return json.dumps(value, ensure_ascii=False)


def _wrap_comment(text: str, width: int = 96) -> str:
    lines: list[str] = []
    current = "#  "
    for word in text.split(" "):
        if len(current) + len(word) + 1 > width and current.strip() != "#":
            lines.append(current.rstrip())
            current = "#  "
        current += f" {word}"
    lines.append(current.rstrip())
    return "\n".join(lines)
