"""Synthetic project records for the benchmarks: generated, deterministic, never committed."""

from __future__ import annotations

import random

SECTORS = [
    "solidarity-finance", "community-currency", "association-management", "cooperative-governance",
    "participatory-democracy", "platform-cooperative", "food-agriculture", "mobility", "housing",
    "health-care", "education", "employment-integration", "digital-inclusion", "culture-media",
    "environment-energy", "humanitarian-migrants", "fair-trade-commerce", "accounting-erp",
]
LICENCES = ["AGPL-3.0-or-later", "GPL-3.0-only", "MIT", "Apache-2.0", "AGPL-3.0", "LGPL-2.1-or-later", "MPL-2.0", "EUPL-1.2", None]
STATUSES = ["concept", "development", "beta", "stable", "obsolete", None]
FORMS = ["cooperative", "association", "mutual", "foundation", "social-enterprise", "public-body", "company", "community"]
COUNTRIES = ["FR", "BE", "ES", "IT", "PT", "DE", "SN", "BR", "CA", "KE", "IN", "AU"]
WORDS_FR = "coopérative association économie solidaire gestion adhérents monnaie locale circuit court vélo logement santé école emploi numérique culture énergie".split()
WORDS_EN = "cooperative association solidarity economy members management local currency food delivery housing health school jobs digital culture energy".split()
FORGES = ["https://github.com", "https://gitlab.com", "https://framagit.org", "https://codeberg.org", "https://gitlab.adullact.net"]


def records(n: int, seed: int = 42) -> list[dict]:
    """``n`` project records shaped like ``registry.submissions.load_submission`` output."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        pid = f"project-{i:06d}"
        org = f"Organisation {i % 5000}"
        out.append(
            {
                "id": pid,
                "name": f"Project {i} {rng.choice(WORDS_EN).title()}",
                "repository": f"{rng.choice(FORGES)}/org{i % 5000}/{pid}",
                "website": f"https://{pid}.example.org" if i % 3 else None,
                "description": {
                    "en": " ".join(rng.choices(WORDS_EN, k=14)),
                    "fr": " ".join(rng.choices(WORDS_FR, k=14)),
                },
                "sectors": rng.sample(SECTORS, k=rng.randint(1, 3)),
                "licence": rng.choice(LICENCES),
                "status": rng.choice(STATUSES),
                "organisation": {"name": org, "legal_form": rng.choice(FORMS), "country": rng.choice(COUNTRIES), "website": None},
                "languages": rng.sample(["fr", "en", "es", "it", "pt", "de"], k=2),
                "audiences": ["associations"],
                "tags": rng.sample(WORDS_EN, k=3),
                "adopters": [{"name": f"Adopter {i}-{k}", "website": None, "country": rng.choice(COUNTRIES)} for k in range(i % 3)],
                "providers": [{"name": f"Provider {i % 300}", "website": None, "country": rng.choice(COUNTRIES)}] if i % 4 == 0 else [],
                "contact": None,
                "source": "submission",
                "source_path": f"registry/submissions/{pid}.yml",
                "first_listed": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}",
                "last_checked": "2026-11-01",
            }
        )
    return out
