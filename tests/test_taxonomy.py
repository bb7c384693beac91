"""The sector taxonomy and inference (registry/taxonomy.py, docs/sectors.md)."""

import subprocess
import sys
from pathlib import Path

import pytest

from registry import taxonomy

ROOT = Path(__file__).resolve().parents[1]

EXPECTED_IDS = (
    "solidarity-finance community-currency association-management cooperative-governance "
    "participatory-democracy platform-cooperative food-agriculture mobility housing health-care "
    "education employment-integration digital-inclusion culture-media environment-energy "
    "humanitarian-migrants fair-trade-commerce accounting-erp"
).split()


def test_exactly_the_eighteen_ids_of_the_issue():
    assert list(taxonomy.SECTOR_IDS) == EXPECTED_IDS


@pytest.mark.parametrize("sector", taxonomy.SECTORS, ids=lambda s: s.id)
def test_every_sector_is_complete_in_both_languages_with_keywords_in_five(sector):
    assert sector.label_en and sector.label_fr and sector.description_en and sector.description_fr
    for lang in ("fr", "en", "es", "pt", "it"):
        assert sector.keywords.get(lang), f"{sector.id}: no {lang} keywords"


@pytest.mark.parametrize(
    "texts, topics, expected",
    [
        ({"fr": "Logiciel de gestion d'association : adhérents, cotisations"}, [], "association-management"),
        ({"es": "Plataforma de moneda social y banco de tiempo"}, [], "community-currency"),
        ({"pt": "Plataforma de orçamento participativo e consulta pública para cidades"}, [], "participatory-democracy"),
        ({"it": "Gestione dei gruppi di acquisto solidale e filiera corta"}, [], "food-agriculture"),
        ({"en": "Some tool"}, ["microfinance"], "solidarity-finance"),
    ],
)
def test_inference_in_several_languages(texts, topics, expected):
    inferred = taxonomy.infer_sectors(texts, topics=topics)
    assert inferred, texts
    assert inferred[0][0] == expected


def test_a_single_mention_is_not_enough():
    assert taxonomy.infer_sectors({"es": "Plataforma de moneda social"}) == []


def test_inference_ignores_accents_and_case():
    a = taxonomy.infer_sectors({"fr": "MONNAIE LOCALE COMPLÉMENTAIRE ET BANQUE DU TEMPS"})
    b = taxonomy.infer_sectors({"fr": "monnaie locale complementaire et banque du temps"})
    assert a == b and a[0][0] == "community-currency"


def test_no_evidence_no_sector_and_low_relevance():
    assert taxonomy.infer_sectors({"en": "A fast JSON parser written in Rust"}) == []
    assert not taxonomy.is_listed(taxonomy.sse_relevance({"en": "A fast JSON parser written in Rust"}))


def test_sse_project_is_listed():
    relevance = taxonomy.sse_relevance(
        {"en": "Open source platform for bike delivery cooperatives"}, topics=["cooperative", "platform-cooperativism"]
    )
    assert taxonomy.is_listed(relevance)


def test_search_keywords_per_language():
    assert "économie sociale et solidaire" in [k.lower() for k in taxonomy.search_keywords("fr")] or taxonomy.search_keywords("fr")
    with pytest.raises(KeyError):
        taxonomy.search_keywords("xx")


def test_sectors_doc_is_up_to_date():
    result = subprocess.run([sys.executable, "-m", "cogapp", "--check", "docs/sectors.md"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, "docs/sectors.md is out of date: run `cog -r docs/sectors.md`"
