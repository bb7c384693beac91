"""The maturity model (registry/maturity.py, docs/maturity.md)."""

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.maturity import LEVELS, THRESHOLDS, compute_maturity

TODAY = date(2026, 11, 1)
DOC = (Path(__file__).resolve().parents[1] / "docs" / "maturity.md").read_text(encoding="utf-8")

DECLARED_RICH = {
    "status": "stable",
    "adopters_count": 12,
    "providers_count": 3,
    "has_website": True,
    "description_languages": ["en", "fr"],
    "licence_is_free": True,
}
CRAWLED_RICH = {
    "last_activity": "2026-10-20T10:00:00Z",
    "releases_count": 40,
    "contributors": 60,
    "created_at": "2016-01-01T00:00:00Z",
    "has_ci": True,
    "has_tests": True,
    "has_readme": True,
    "archived": False,
}


def test_declared_data_alone_gives_a_level():
    result = compute_maturity(DECLARED_RICH, today=TODAY)
    assert result.level == "mature"
    assert result.score == 100
    assert {s.source for s in result.signals} == {"submission"}


def test_unknown_signals_do_not_count_against_a_project():
    only_status = compute_maturity({"status": "stable"}, today=TODAY)
    assert only_status.score == 100
    assert [s.signal for s in only_status.signals] == ["declared_status"]


def test_crawl_signals_enrich_and_can_lower_the_level():
    stale = dict(CRAWLED_RICH, last_activity="2019-01-01", releases_count=0, contributors=1,
                 has_ci=False, has_tests=False, has_readme=False)
    declared_only = compute_maturity({"status": "beta", "adopters_count": 0}, today=TODAY)
    with_crawl = compute_maturity({"status": "beta", "adopters_count": 0, **stale}, today=TODAY)
    assert with_crawl.score < declared_only.score
    assert {s.source for s in with_crawl.signals} == {"submission", "forge"}


def test_rich_project_is_mature_and_poor_one_early():
    assert compute_maturity({**DECLARED_RICH, **CRAWLED_RICH}, today=TODAY).level == "mature"
    poor = compute_maturity(
        {"status": "concept", "adopters_count": 0, "providers_count": 0, "has_website": False,
         "description_languages": ["en"], "licence_is_free": None},
        today=TODAY,
    )
    assert poor.level == "early" and poor.score == 0


@pytest.mark.parametrize("facts", [{"status": "obsolete", **DECLARED_RICH, "status": "obsolete"},
                                   {**DECLARED_RICH, **CRAWLED_RICH, "archived": True}])
def test_obsolete_or_archived_is_obsolete_whatever_the_score(facts):
    assert compute_maturity(facts, today=TODAY).level == "obsolete"


def test_deterministic_and_dated_by_today_not_the_clock():
    facts = {**DECLARED_RICH, **CRAWLED_RICH}
    assert compute_maturity(facts, today=TODAY) == compute_maturity(facts, today=TODAY)
    later = compute_maturity(facts, today=date(2030, 1, 1))
    activity = {s.signal: s for s in later.signals}["recent_activity"]
    assert activity.points == 0


def test_activity_thresholds():
    def points(day):
        r = compute_maturity({"last_activity": day}, today=TODAY)
        return r.signals[0].points
    assert [points(d) for d in ("2026-09-01", "2026-01-01", "2025-01-01", "2023-01-01")] == [3, 2, 1, 0]


def test_every_signal_is_explained_in_both_languages():
    result = compute_maturity({**DECLARED_RICH, **CRAWLED_RICH}, today=TODAY)
    for signal in result.signals:
        assert signal.explanation_en and signal.explanation_fr
        assert signal.explanation_en != signal.explanation_fr
        assert 0 <= signal.points <= signal.max_points or signal.max_points == 0


def test_wrong_types_are_treated_as_unknown():
    result = compute_maturity({"releases_count": "many", "contributors": -3, "last_activity": "yesterday"}, today=TODAY)
    assert result.signals == ()
    assert result.level == "early"


def test_documentation_matches_the_code():
    result = compute_maturity({**DECLARED_RICH, **CRAWLED_RICH}, today=TODAY)
    for signal in result.signals:
        assert f"`{signal.signal}`" in DOC, signal.signal
        row = re.search(rf"^\| `{signal.signal}` \|.*\| (\d+) \|$", DOC, re.M)
        assert row and float(row.group(1)) == signal.max_points, signal.signal
    for level, minimum in THRESHOLDS:
        assert level in LEVELS
        if minimum:
            assert f"score ≥ {minimum}" in DOC


# The build stores each explanation once per (signal, value) in maturity_explanations
# (registry/db.py): that is only right while the text depends on nothing else, for one date.
_facts = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["concept", "development", "beta", "stable", "obsolete", None]),
        "adopters_count": st.integers(0, 30),
        "providers_count": st.integers(0, 10),
        "has_website": st.booleans(),
        "description_languages": st.lists(st.sampled_from(["en", "fr", "es"]), unique=True).map(tuple),
        "licence_is_free": st.sampled_from([True, False, None]),
        "last_activity": st.dates(date(2015, 1, 1), date(2026, 11, 1)).map(date.isoformat),
        "releases_count": st.integers(0, 50),
        "contributors": st.integers(0, 50),
        "created_at": st.dates(date(2010, 1, 1), date(2026, 11, 1)).map(date.isoformat),
        "has_ci": st.booleans(),
        "has_tests": st.booleans(),
        "has_readme": st.booleans(),
        "archived": st.booleans(),
    },
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_facts, min_size=2, max_size=6))
def test_a_signals_explanation_and_points_depend_only_on_its_name_and_value(many_facts):
    seen: dict[tuple[str, str], tuple] = {}
    for facts in many_facts:
        for s in compute_maturity(facts, today=TODAY).signals:
            found = (s.points, s.max_points, s.source, s.explanation_en, s.explanation_fr)
            assert seen.setdefault((s.signal, s.value), found) == found
