"""The SSE sector taxonomy and sector inference.

The sectors, their labels and their keywords live in ``registry/taxonomy.yml`` (shipped as package
data). ``docs/sectors.md`` explains how :func:`infer_sectors` and :func:`sse_relevance` score a
project; the weights below are the ones documented there.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources

import yaml

LANGUAGES: tuple[str, ...] = ("fr", "en", "es", "pt", "it")

#: Points a keyword gives, by where it was found (see docs/sectors.md).
TOPIC_WEIGHT = 3.0
TEXT_WEIGHT = 1.0
README_WEIGHT = 0.5
#: Default threshold of :func:`infer_sectors`: two keywords in a description, or one topic.
DEFAULT_MIN_SCORE = 1.5

#: SSE relevance: points of a general SSE keyword, before the weight of where it was found.
STRONG_POINTS = 2.0
WEAK_POINTS = 1.0
#: Half of the best sector score counts towards relevance, capped at this many points.
SECTOR_EVIDENCE_CAP = 6.0
#: The raw points at which :func:`sse_relevance` reaches 0.5.
RELEVANCE_HALF_POINTS = 4.0
#: A crawled repository at or above this relevance is ``listed``; below it, a ``candidate``.
LISTED_THRESHOLD = 0.5


@dataclass(frozen=True)
class Sector:
    """One SSE sector: its id, labels and descriptions in French and English, and keywords."""

    id: str
    label_en: str
    label_fr: str
    description_en: str
    description_fr: str
    #: language code -> keywords, for the five languages of :data:`LANGUAGES`
    keywords: dict[str, tuple[str, ...]] = field(hash=False)

    def label(self, lang: str) -> str:
        """The label in ``lang`` (``fr`` or ``en``; anything else gets English)."""
        return self.label_fr if lang == "fr" else self.label_en

    def description(self, lang: str) -> str:
        """The one-sentence description in ``lang`` (``fr`` or ``en``)."""
        return self.description_fr if lang == "fr" else self.description_en


# --------------------------------------------------------------------------------------------
# Loading


@functools.cache
def _data() -> dict:
    text = resources.files("registry").joinpath("taxonomy.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@functools.cache
def _sectors() -> tuple[Sector, ...]:
    sectors = []
    for entry in _data()["sectors"]:
        keywords = {lang: tuple(entry["keywords"].get(lang) or ()) for lang in LANGUAGES}
        sectors.append(
            Sector(
                id=entry["id"],
                label_en=entry["label_en"],
                label_fr=entry["label_fr"],
                description_en=entry["description_en"],
                description_fr=entry["description_fr"],
                keywords=keywords,
            )
        )
    return tuple(sectors)


SECTORS: tuple[Sector, ...] = _sectors()
SECTOR_IDS: tuple[str, ...] = tuple(s.id for s in SECTORS)
_BY_ID = {s.id: s for s in SECTORS}
_ORDER = {sector_id: position for position, sector_id in enumerate(SECTOR_IDS)}

#: The general SSE vocabulary used by :func:`sse_relevance`: ``{"strong"|"weak": {lang: (...)}}``.
SSE_KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    strength: {lang: tuple(words.get(lang) or ()) for lang in LANGUAGES}
    for strength, words in _data()["sse_keywords"].items()
}


def get_sector(sector_id: str) -> Sector:
    """The sector with this id.

    :param sector_id: one of :data:`SECTOR_IDS`
    :raises KeyError: for an unknown id; the message lists the known ids
    """
    try:
        return _BY_ID[sector_id]
    except KeyError:
        raise KeyError(f"unknown sector {sector_id!r}; known sectors: {', '.join(SECTOR_IDS)}") from None


# --------------------------------------------------------------------------------------------
# Matching: texts are cut into words with accents removed, keywords are looked up as word n-grams.


def _fold(text: str) -> str:
    """Remove accents, turn every run of non-letters/digits into one space. Keeps the case."""
    decomposed = unicodedata.normalize("NFKD", text)
    out = []
    for char in decomposed:
        if unicodedata.combining(char):
            continue
        if char.isalnum():
            out.append(char)
        else:
            out.append(" ")
    return " ".join("".join(out).split())


def normalise_text(text: str) -> str:
    """The form texts and keywords are compared in: no accents, lowercase, words split by one space.

    >>> normalise_text("L'Économie sociale et solidaire !")
    'l economie sociale et solidaire'
    """
    return _fold(text).lower()


def _is_acronym(keyword: str) -> bool:
    folded = _fold(keyword)
    return " " not in folded and folded.isupper() and len(folded) >= 2


class _Matcher:
    """Finds keywords in a text, leftmost-longest and without overlap, and says whose they are."""

    def __init__(self, owners_by_keyword: Mapping[str, Iterable[str]]):
        self.phrases: dict[tuple[str, ...], frozenset[str]] = {}
        self.acronyms: dict[str, frozenset[str]] = {}
        self.keyword_text: dict[tuple[str, ...], str] = {}
        grouped: dict[tuple[str, ...], set[str]] = {}
        acronyms: dict[str, set[str]] = {}
        for keyword, owners in owners_by_keyword.items():
            if _is_acronym(keyword):
                acronyms.setdefault(_fold(keyword), set()).update(owners)
            tokens = tuple(normalise_text(keyword).split())
            if not tokens:
                continue
            grouped.setdefault(tokens, set()).update(owners)
        self.phrases = {k: frozenset(v) for k, v in grouped.items()}
        self.acronyms = {k: frozenset(v) for k, v in acronyms.items()}
        self.acronym_tokens = {(k.lower(),) for k in self.acronyms}
        self.longest = max((len(k) for k in self.phrases), default=1)

    def _lookup(self, gram: tuple[str, ...], *, topic: bool) -> tuple[str, ...] | None:
        candidates = [gram]
        last = gram[-1]
        if len(last) >= 4 and last.endswith("s"):
            candidates.append(gram[:-1] + (last[:-1],))
        for candidate in candidates:
            if candidate in self.phrases:
                if candidate in self.acronym_tokens and not topic:
                    continue  # an acronym in free text must be written in capitals
                return candidate
        return None

    def find(self, text: str, *, topic: bool = False) -> dict[tuple[str, ...], frozenset[str]]:
        """The keywords (as word tuples) found in ``text``, each with its owners."""
        found: dict[tuple[str, ...], frozenset[str]] = {}
        folded = _fold(text)
        words = folded.lower().split()
        original = folded.split()
        i = 0
        while i < len(words):
            matched = 0
            for size in range(min(self.longest, len(words) - i), 0, -1):
                key = self._lookup(tuple(words[i : i + size]), topic=topic)
                if key is not None:
                    found.setdefault(key, self.phrases[key])
                    matched = size
                    break
            if not matched and not topic:
                word = original[i]
                stem = word[:-1] if word.endswith("s") and word[:-1].isupper() else word
                if stem in self.acronyms:
                    key = (stem.lower(),)
                    found.setdefault(key, self.acronyms[stem])
                    matched = 1
            i += matched or 1
        return found


@functools.cache
def _sector_matcher() -> _Matcher:
    owners: dict[str, set[str]] = {}
    for sector in SECTORS:
        for words in sector.keywords.values():
            for keyword in words:
                owners.setdefault(keyword, set()).add(sector.id)
    return _Matcher(owners)


@functools.cache
def _sse_matcher() -> _Matcher:
    owners: dict[str, set[str]] = {}
    # "strong" wins when a word is listed as both.
    for strength in ("weak", "strong"):
        for words in SSE_KEYWORDS.get(strength, {}).values():
            for keyword in words:
                owners[keyword] = {strength}
    return _Matcher(owners)


def _weighted_texts(texts) -> list[tuple[str, str, float]]:
    """``(source, text, weight)`` for each non-empty text."""
    if texts is None:
        return []
    if isinstance(texts, str):
        texts = [texts]
    if isinstance(texts, Mapping):
        items = [(str(key), value) for key, value in texts.items()]
    else:
        items = [(f"text{position}", value) for position, value in enumerate(texts)]
    weighted = []
    for source, value in items:
        if not isinstance(value, str) or not value.strip():
            continue
        weight = README_WEIGHT if "readme" in source.lower() else TEXT_WEIGHT
        weighted.append((source, value, weight))
    return weighted


def _topics(topics) -> list[str]:
    if not topics:
        return []
    if isinstance(topics, str):
        topics = [topics]
    return [t for t in dict.fromkeys(str(t) for t in topics if t) if t.strip()]


def sector_evidence(
    texts: Mapping[str, str] | Iterable[str] | str | None, *, topics: Iterable[str] = ()
) -> dict[str, list[tuple[str, str, float]]]:
    """Why each sector scores: ``{sector_id: [(source, keyword, points), ...]}``.

    ``source`` is the key of ``texts`` (``text0``, ``text1``… for a list) or ``topic:<topic>``.
    Sectors with no evidence are left out. Same arguments as :func:`infer_sectors`.
    """
    matcher = _sector_matcher()
    evidence: dict[str, list[tuple[str, str, float]]] = {}
    for source, text, weight in _weighted_texts(texts):
        for key, owners in matcher.find(text).items():
            for sector_id in owners:
                evidence.setdefault(sector_id, []).append((source, " ".join(key), weight))
    for topic in _topics(topics):
        found = matcher.find(topic, topic=True)
        per_sector: dict[str, str] = {}
        for key, owners in found.items():
            for sector_id in owners:
                per_sector.setdefault(sector_id, " ".join(key))
        for sector_id, keyword in per_sector.items():
            evidence.setdefault(sector_id, []).append((f"topic:{topic}", keyword, TOPIC_WEIGHT))
    return {sector_id: evidence[sector_id] for sector_id in SECTOR_IDS if sector_id in evidence}


def _scores(texts, topics) -> dict[str, float]:
    return {
        sector_id: round(sum(points for _, _, points in items), 2)
        for sector_id, items in sector_evidence(texts, topics=topics).items()
    }


def infer_sectors(
    texts: Mapping[str, str] | Iterable[str] | str | None,
    *,
    topics: Iterable[str] = (),
    min_score: float = DEFAULT_MIN_SCORE,
    limit: int | None = None,
) -> list[tuple[str, float]]:
    """Guess the sectors of a project from its texts and forge topics.

    Each distinct keyword of a sector found in a text gives that text's weight (1 point, 0.5 for a
    README); each topic that contains a keyword of a sector gives 3 points. Matching ignores case
    and accents, works on whole words, and a longer keyword hides the shorter ones inside it.

    :param texts: ``{source: text}`` (a source whose name contains ``readme`` weighs less; other
        keys, such as ``description``, ``name``, ``en`` or ``fr``, weigh 1), or a list of texts
    :param topics: forge topics or tags, such as ``community-currency`` or ``microfinance``
    :param min_score: sectors scoring less are left out
    :param limit: keep at most this many sectors
    :return: ``[(sector_id, score), ...]``, best first; ties follow the taxonomy order
    """
    scores = _scores(texts, topics)
    ranked = sorted(
        ((sector_id, score) for sector_id, score in scores.items() if score >= min_score),
        key=lambda item: (-item[1], _ORDER[item[0]]),
    )
    return ranked[:limit] if limit is not None else ranked


def sse_relevance_points(
    texts: Mapping[str, str] | Iterable[str] | str | None, topics: Iterable[str] = ()
) -> float:
    """The raw points behind :func:`sse_relevance` (documented in docs/sectors.md)."""
    matcher = _sse_matcher()
    points = 0.0
    for _, text, weight in _weighted_texts(texts):
        for _, owners in matcher.find(text).items():
            points += weight * (STRONG_POINTS if "strong" in owners else WEAK_POINTS)
    for topic in _topics(topics):
        found = matcher.find(topic, topic=True)
        if any("strong" in owners for owners in found.values()):
            points += TOPIC_WEIGHT * STRONG_POINTS
        elif found:
            points += TOPIC_WEIGHT * WEAK_POINTS
    scores = _scores(texts, topics)
    best = max(scores.values(), default=0.0)
    points += min(best, SECTOR_EVIDENCE_CAP) * 0.5
    return round(points, 2)


def sse_relevance(
    texts: Mapping[str, str] | Iterable[str] | str | None, topics: Iterable[str] = ()
) -> float:
    """How relevant to the social and solidarity economy a repository looks, from 0 to 1.

    ``points / (points + 4)``, where points come from general SSE words (``économie sociale et
    solidaire``, ``cooperative``, ``association``…) in the texts and topics, plus half of the best
    sector score. The crawler lists a repository at :data:`LISTED_THRESHOLD` (0.5) or more, and
    keeps the others as candidates for curators.

    :param texts: as for :func:`infer_sectors`
    :param topics: forge topics
    """
    points = sse_relevance_points(texts, topics)
    return round(points / (points + RELEVANCE_HALF_POINTS), 3) if points > 0 else 0.0


def is_listed(relevance: float) -> bool:
    """Whether a crawled repository with this relevance is listed rather than a candidate."""
    return relevance >= LISTED_THRESHOLD


def search_keywords(lang: str) -> tuple[str, ...]:
    """Every keyword of one language (sectors and general SSE words), for forge keyword searches.

    :param lang: one of :data:`LANGUAGES`
    """
    if lang not in LANGUAGES:
        raise KeyError(f"unknown language {lang!r}; known languages: {', '.join(LANGUAGES)}")
    words: list[str] = []
    for group in SSE_KEYWORDS.values():
        words.extend(group.get(lang, ()))
    for sector in SECTORS:
        words.extend(sector.keywords.get(lang, ()))
    return tuple(dict.fromkeys(words))
