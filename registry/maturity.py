"""The maturity model: a level computed from observable signals, explained signal by signal.

Deterministic: the same facts and the same ``today`` always give the same result. It works from
what a maintainer declared (status, adopters, providers, website, descriptions, licence) and grows
richer when the crawler has seen the repository (activity, releases, contributors, age, README,
CI and tests). Only signals whose value is known count: a project is never marked down for what
nobody has checked yet. The model, its weights and its thresholds are documented in
docs/maturity.md; keep the two in step (tests/test_maturity.py checks the table there).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

LEVELS = ("early", "developing", "established", "mature", "obsolete")

# Lowest score (in percent of the points available) for each level, highest first.
THRESHOLDS = (("mature", 75), ("established", 50), ("developing", 25), ("early", 0))

STATUS_POINTS = {"concept": 0, "development": 1, "beta": 2, "stable": 3}
STATUS_FR = {"concept": "concept", "development": "développement", "beta": "bêta", "stable": "stable", "obsolete": "obsolète"}


@dataclass(frozen=True)
class Signal:
    """One observed signal and what it contributed."""

    signal: str
    value: str
    points: float
    max_points: float
    source: str  # "submission" (declared) or "forge" (seen by the crawler)
    explanation_en: str
    explanation_fr: str


@dataclass(frozen=True)
class Maturity:
    level: str
    score: int  # 0–100: points earned over points available, rounded
    signals: tuple[Signal, ...]


def _to_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _count(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _steps(value: int, steps: tuple[tuple[int, int], ...]) -> int:
    """Points for ``value``: the points of the highest step whose minimum it reaches."""
    points = 0
    for minimum, step_points in steps:
        if value >= minimum:
            points = step_points
    return points


def compute_maturity(facts: dict[str, Any], *, today: date | None = None) -> Maturity:
    """The maturity of one project.

    :param facts: ``status``, ``adopters_count``, ``providers_count``, ``has_website``,
        ``description_languages``, ``licence_is_free`` (declared), and when crawled
        ``last_activity``, ``releases_count``, ``contributors``, ``created_at``, ``archived``,
        ``has_readme``, ``has_ci``, ``has_tests``. Missing or ``None`` means not known.
    :param today: the reference date for activity and age (the build's date)
    """
    today = today or date.today()
    signals: list[Signal] = []

    def add(name, value, points, max_points, source, en, fr):
        signals.append(Signal(name, str(value), float(points), float(max_points), source, en, fr))

    status = facts.get("status")
    if status in STATUS_POINTS:
        points = STATUS_POINTS[status]
        add("declared_status", status, points, 3, "submission",
            f"The maintainers say the software is at the '{status}' stage.",
            f"Les responsables indiquent que le logiciel est au stade « {STATUS_FR[status]} ».")

    adopters = _count(facts.get("adopters_count"))
    if adopters is not None:
        points = _steps(adopters, ((1, 1), (3, 2), (10, 3)))
        add("adopters", adopters, points, 3, "submission",
            (f"1 organisation is known to use it." if adopters == 1 else f"{adopters} organisations are known to use it.")
            if adopters else "No organisation is known to use it yet.",
            (f"1 organisation connue l’utilise." if adopters == 1 else f"{adopters} organisations connues l’utilisent.")
            if adopters else "Aucune organisation connue ne l’utilise encore.")

    providers = _count(facts.get("providers_count"))
    if providers is not None:
        points = _steps(providers, ((1, 1), (3, 2)))
        add("providers", providers, points, 2, "submission",
            f"{providers} provider(s) offer hosting, support or training." if providers
            else "No provider of hosting, support or training is known.",
            f"{providers} prestataire(s) proposent hébergement, support ou formation." if providers
            else "Aucun prestataire d’hébergement, de support ou de formation n’est connu.")

    languages = facts.get("description_languages")
    has_website = facts.get("has_website")
    if languages is not None or has_website is not None:
        n_languages = len(languages or [])
        points = (1 if has_website else 0) + (1 if n_languages >= 2 else 0)
        add("presentation", f"website={'yes' if has_website else 'no'}, languages={n_languages}", points, 2, "submission",
            "A website and a description in two languages or more make it easier to adopt."
            f" Here: {'a website' if has_website else 'no website'}, {n_languages} language(s).",
            "Un site web et une description en deux langues ou plus facilitent l’adoption."
            f" Ici : {'un site web' if has_website else 'pas de site web'}, {n_languages} langue(s).")

    if "licence_is_free" in facts:
        free = facts.get("licence_is_free")
        points = 1 if free else 0
        value = {True: "free", False: "not-free", None: "unknown"}[bool(free) if free is not None else None]
        add("free_licence", value, points, 1, "submission",
            "Its licence is a free software licence: anyone may use, study, share and improve it." if free
            else "No free software licence was found: reuse is not clearly allowed.",
            "Sa licence est une licence libre : chacun peut l’utiliser, l’étudier, la partager et l’améliorer." if free
            else "Aucune licence libre n’a été trouvée : la réutilisation n’est pas clairement permise.")

    # Signals seen on the forge by the crawler.
    last_activity = _to_date(facts.get("last_activity"))
    if last_activity is not None:
        days = max(0, (today - last_activity).days)
        points = 3 if days <= 90 else 2 if days <= 365 else 1 if days <= 730 else 0
        add("recent_activity", last_activity.isoformat(), points, 3, "forge",
            f"Last change on the forge: {last_activity.isoformat()} ({days} days before {today.isoformat()}).",
            f"Dernière modification sur la forge : {last_activity.isoformat()} ({days} jours avant le {today.isoformat()}).")

    releases = _count(facts.get("releases_count"))
    if releases is not None:
        points = _steps(releases, ((1, 1), (3, 2), (10, 3)))
        add("releases", releases, points, 3, "forge",
            f"{releases} published release(s).", f"{releases} version(s) publiée(s).")

    contributors = _count(facts.get("contributors"))
    if contributors is not None:
        points = _steps(contributors, ((2, 1), (5, 2), (20, 3)))
        add("contributors", contributors, points, 3, "forge",
            f"{contributors} people have contributed code: the more people, the less it depends on one.",
            f"{contributors} personne(s) ont contribué au code : plus elles sont nombreuses, moins il dépend d’une seule.")

    created = _to_date(facts.get("created_at"))
    if created is not None:
        years = max(0, (today - created).days) / 365.25
        points = 2 if years >= 3 else 1 if years >= 1 else 0
        add("age", created.isoformat(), points, 2, "forge",
            f"Repository created on {created.isoformat()} ({years:.1f} years ago).",
            f"Dépôt créé le {created.isoformat()} (il y a {years:.1f} ans).".replace(f"{years:.1f}", f"{years:.1f}".replace(".", ",")))

    engineering = [facts.get(name) for name in ("has_ci", "has_tests")]
    if any(v is not None for v in engineering):
        has_ci, has_tests = (bool(v) for v in engineering)
        add("tests_and_ci", f"ci={'yes' if has_ci else 'no'}, tests={'yes' if has_tests else 'no'}",
            int(has_ci) + int(has_tests), 2, "forge",
            f"Automated tests: {'yes' if has_tests else 'no'}; continuous integration: {'yes' if has_ci else 'no'}.",
            f"Tests automatisés : {'oui' if has_tests else 'non'} ; intégration continue : {'oui' if has_ci else 'non'}.")

    if facts.get("has_readme") is not None:
        has_readme = bool(facts.get("has_readme"))
        add("readme", "yes" if has_readme else "no", int(has_readme), 1, "forge",
            "The repository has a README that explains the project." if has_readme else "The repository has no README.",
            "Le dépôt a un fichier README qui présente le projet." if has_readme else "Le dépôt n’a pas de fichier README.")

    archived = facts.get("archived")
    if archived is not None:
        add("archived", "yes" if archived else "no", 0, 0, "forge",
            "The repository is archived: it is no longer maintained." if archived else "The repository is not archived.",
            "Le dépôt est archivé : il n’est plus maintenu." if archived else "Le dépôt n’est pas archivé.")

    available = sum(s.max_points for s in signals)
    earned = sum(s.points for s in signals)
    score = round(100 * earned / available) if available else 0
    if status == "obsolete" or archived:
        level = "obsolete"
        if status == "obsolete":
            add("declared_status", status, 0, 0, "submission",
                "The maintainers say the software is obsolete: it is no longer developed.",
                "Les responsables indiquent que le logiciel est obsolète : il n’est plus développé.")
    else:
        level = next(name for name, minimum in THRESHOLDS if score >= minimum)
    return Maturity(level=level, score=score, signals=tuple(signals))
