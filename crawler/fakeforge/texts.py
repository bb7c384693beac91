"""Texts the fake forge puts in repositories: licence files, READMEs, manifests, vocabulary.

Licence texts are the opening of each licence (enough for a licence-file detector to recognise
it), not the whole text. Vocabulary is social-and-solidarity-economy (SSE) words in several
languages, plus clearly irrelevant projects, so that relevance scoring can be tested.
"""

from __future__ import annotations

import json

MIT = """MIT License

Copyright (c) {year} {holder}

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

BSD_3 = """BSD 3-Clause License

Copyright (c) {year}, {holder}

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.

3. Neither the name of the copyright holder nor the names of its
   contributors may be used to endorse or promote products derived from
   this software without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED.
"""

APACHE_2 = """
                                 Apache License
                           Version 2.0, January 2004
                        http://www.apache.org/licenses/

   TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION

   1. Definitions.

      "License" shall mean the terms and conditions for use, reproduction,
      and distribution as defined by Sections 1 through 9 of this document.

      "Licensor" shall mean the copyright owner or entity authorized by
      the copyright owner that is granting the License.
"""

GPL_3 = """                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.

                            Preamble

  The GNU General Public License is a free, copyleft license for
software and other kinds of works.

  The licenses for most software and other practical works are designed
to take away your freedom to share and change the works.  By contrast,
the GNU General Public License is intended to guarantee your freedom to
share and change all versions of a program--to make sure it remains free
software for all its users.  We, the Free Software Foundation, use the
GNU General Public License for most of our software; it applies also to
any other work released this way by its authors.  You can apply it to
your programs, too.
"""

AGPL_3 = """                    GNU AFFERO GENERAL PUBLIC LICENSE
                       Version 3, 19 November 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.

                            Preamble

  The GNU Affero General Public License is a free, copyleft license for
software and other kinds of works, specifically designed to ensure
cooperation with the community in the case of network server software.

  The licenses for most software and other practical works are designed
to take away your freedom to share and change the works.  By contrast,
our General Public Licenses are intended to guarantee your freedom to
share and change all versions of a program--to make sure it remains free
software for all its users.
"""

LGPL_3 = """                   GNU LESSER GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.


  This version of the GNU Lesser General Public License incorporates
the terms and conditions of version 3 of the GNU General Public
License, supplemented by the additional permissions listed below.
"""

MPL_2 = """Mozilla Public License Version 2.0
==================================

1. Definitions
--------------

1.1. "Contributor"
    means each individual or legal entity that creates, contributes to
    the creation of, or owns Covered Software.
"""

EUPL_12 = """EUROPEAN UNION PUBLIC LICENCE v. 1.2
EUPL \u00a9 the European Union 2007, 2016

This European Union Public Licence (the \u2018EUPL\u2019) applies to the Work (as defined
below) which is provided under the terms of this Licence. Any use of the Work,
other than as authorised under this Licence is prohibited (to the extent such
use is covered by a right of the copyright holder of the Work).
"""

CECILL_21 = """CONTRAT DE LICENCE DE LOGICIEL LIBRE CeCILL

Version 2.1 du 2013-06-21


    Avertissement

Ce contrat est une licence de logiciel libre issue d'une concertation
entre ses auteurs afin que le respect de deux grands principes pr\u00e9side \u00e0
sa r\u00e9daction :

  * d'une part, le respect des principes de diffusion des logiciels
    libres : acc\u00e8s au code source, droits \u00e9tendus conf\u00e9r\u00e9s aux utilisateurs,
  * d'autre part, la d\u00e9signation d'un droit applicable, le droit
    fran\u00e7ais, auquel elle est conforme.
"""

# The CoopCycle licence (a Peer Production "copyfarleft" licence): its opening and the clause
# that makes it non-free (commercial use reserved to worker-owned businesses).
COOPCYCLE = """Copyright (c) 2016 CoopCycle <https://coopcycle.org>

THE WORK (AS DEFINED BELOW) IS PROVIDED UNDER THE TERMS OF THIS COPYFARLEFT PUBLIC LICENSE
(\u201cLICENSE\u201d). THE WORK IS PROTECTED BY COPYRIGHT AND ALL OTHER APPLICABLE LAWS. ANY USE OF THE
WORK OTHER THAN AS AUTHORIZED UNDER THIS LICENSE OR COPYRIGHT LAW IS PROHIBITED.

4. RESTRICTIONS
c. You may exercise the rights granted in Section 3 for commercial purposes only if:
i. You are a worker-owned business or worker-owned collective; and
ii. all financial gain, surplus, profits and benefits produced by the business or collective
are distributed among the worker-owners
d. Any use by a business that is privately owned and managed, and that seeks to generate
profit from the labor of employees paid by salary or other wages, is not permitted under
this license.
"""

# SPDX id -> (text template, GitHub key, GitHub name, GitLab/choosealicense name)
LICENCES: dict[str, tuple[str, str, str]] = {
    "MIT": (MIT, "mit", "MIT License"),
    "BSD-3-Clause": (BSD_3, "bsd-3-clause", 'BSD 3-Clause "New" or "Revised" License'),
    "Apache-2.0": (APACHE_2, "apache-2.0", "Apache License 2.0"),
    "GPL-3.0": (GPL_3, "gpl-3.0", "GNU General Public License v3.0"),
    "AGPL-3.0": (AGPL_3, "agpl-3.0", "GNU Affero General Public License v3.0"),
    "LGPL-3.0": (LGPL_3, "lgpl-3.0", "GNU Lesser General Public License v3.0"),
    "MPL-2.0": (MPL_2, "mpl-2.0", "Mozilla Public License 2.0"),
    "EUPL-1.2": (EUPL_12, "eupl-1.2", "European Union Public License 1.2"),
    "CECILL-2.1": (CECILL_21, "cecill-2.1", "CeCILL Free Software License Agreement v2.1"),
}
# Stable GitHub licence node numbers (node_id = base64("07:License<n>")).
LICENCE_NODE_NUMBERS = {
    "mit": 13, "bsd-3-clause": 5, "apache-2.0": 2, "gpl-3.0": 9, "agpl-3.0": 1, "lgpl-3.0": 12,
    "mpl-2.0": 14, "eupl-1.2": 28, "cecill-2.1": 30, "other": 0,
}
LICENCE_TEXT_BY_NAME = {"CoopCycle": COOPCYCLE}


def licence_text(spdx: str, holder: str, year: int = 2020) -> str:
    if spdx in LICENCE_TEXT_BY_NAME:
        return LICENCE_TEXT_BY_NAME[spdx]
    return LICENCES[spdx][0].format(year=year, holder=holder)


# --- SSE vocabulary ---------------------------------------------------------------------------
# (slug, topics, {language: description})
SSE_THEMES: list[tuple[str, list[str], dict[str, str]]] = [
    ("cooperative", ["cooperative", "scop", "governance"],
     {"fr": "Outil de gestion pour coop\u00e9rative : adh\u00e9rents, parts sociales et assembl\u00e9es g\u00e9n\u00e9rales",
      "en": "Management tool for cooperatives: members, shares and general assemblies",
      "es": "Herramienta de gesti\u00f3n para cooperativas: socios, participaciones y asambleas"}),
    ("association", ["association", "nonprofit", "volunteers"],
     {"fr": "Gestion d'association loi 1901 : adh\u00e9sions, cotisations et b\u00e9n\u00e9voles",
      "en": "Nonprofit association management: memberships, dues and volunteers"}),
    ("monnaie-locale", ["local-currency", "monnaie-locale", "complementary-currency"],
     {"fr": "Gestion d'une monnaie locale compl\u00e9mentaire et citoyenne",
      "en": "Ledger and payments for a local complementary currency",
      "pt": "Gest\u00e3o de moeda social local para bancos comunit\u00e1rios"}),
    ("circuit-court", ["short-food-supply-chain", "amap", "food"],
     {"fr": "Plateforme de vente en circuit court pour producteurs locaux et AMAP",
      "en": "Short food supply chain marketplace for local farmers and CSAs",
      "it": "Piattaforma per gruppi di acquisto solidale (GAS) e filiera corta"}),
    ("microfinance", ["microfinance", "microcredit", "financial-inclusion"],
     {"en": "Core banking platform for microfinance institutions and credit unions",
      "es": "Plataforma de microfinanzas y microcr\u00e9dito para la inclusi\u00f3n financiera",
      "fr": "Logiciel de microfinance pour institutions de microcr\u00e9dit"}),
    ("budget-participatif", ["participatory-budgeting", "civic-tech", "democracy"],
     {"fr": "Budget participatif : d\u00e9p\u00f4t de projets citoyens, vote et suivi",
      "en": "Participatory budgeting: citizen proposals, voting and follow-up",
      "pt": "Or\u00e7amento participativo: propostas cidad\u00e3s e vota\u00e7\u00e3o"}),
    ("tiers-lieu", ["third-place", "coworking", "commons"],
     {"fr": "R\u00e9servation d'espaces et gestion de la communaut\u00e9 d'un tiers-lieu",
      "en": "Space booking and community management for third places and makerspaces"}),
    ("habitat-participatif", ["housing-cooperative", "cohousing"],
     {"fr": "Outils pour l'habitat participatif et les coop\u00e9ratives d'habitants",
      "en": "Tools for housing cooperatives and cohousing groups"}),
    ("banque-alimentaire", ["food-bank", "solidarity", "donations"],
     {"fr": "Gestion des stocks et distributions d'une banque alimentaire solidaire",
      "en": "Inventory and distribution management for food banks"}),
    ("recyclerie", ["reuse", "circular-economy", "repair-cafe"],
     {"fr": "Caisse et suivi des apports pour ressourceries et recycleries",
      "en": "Point of sale and intake tracking for reuse centres and repair caf\u00e9s"}),
    ("mutuelle", ["mutual-aid", "mutual-insurance"],
     {"fr": "Gestion des adh\u00e9rents et prestations d'une mutuelle",
      "en": "Member and benefits management for mutual insurance societies"}),
    ("plateforme-cooperative", ["platform-cooperative", "platform-coop", "delivery"],
     {"fr": "Plateforme coop\u00e9rative de livraison \u00e0 v\u00e9lo d\u00e9tenue par ses coursiers",
      "en": "Cooperative delivery platform owned by its riders"}),
    ("banca-del-tempo", ["timebank", "time-banking"],
     {"it": "Banca del tempo: scambio di servizi tra vicini",
      "en": "Time bank: neighbours exchange services counted in hours"}),
    ("economia-social", ["social-economy", "economia-social", "solidarity-economy"],
     {"es": "Mapa y directorio de entidades de la econom\u00eda social y solidaria",
      "en": "Map and directory of social and solidarity economy organisations",
      "de": "Karte der Akteure der solidarischen \u00d6konomie"}),
    ("energie-citoyenne", ["community-energy", "renewable-energy", "energy-cooperative"],
     {"fr": "Suivi des projets d'\u00e9nergie citoyenne et des souscriptions",
      "en": "Community energy cooperative: projects and citizen investment"}),
]

IRRELEVANT_THEMES: list[tuple[str, list[str], dict[str, str]]] = [
    ("space-shooter", ["game", "pygame"], {"en": "A retro space shooter game written in a weekend"}),
    ("dotfiles", ["dotfiles", "vim", "zsh"], {"en": "My personal dotfiles: zsh, vim, tmux"}),
    ("crypto-trading-bot", ["trading", "bitcoin", "bot"], {"en": "Automated crypto trading bot for maximum profit"}),
    ("awesome-shaders", ["awesome-list", "shaders"], {"en": "A curated list of awesome GPU shaders"}),
    ("homework", ["school"], {"en": "Algorithms course homework"}),
    ("minecraft-mod", ["minecraft", "game", "mod"], {"en": "A Minecraft mod that adds more dragons"}),
    ("blog", ["hugo", "blog"], {"en": "Source of my personal blog"}),
]

SUFFIXES = ["app", "web", "api", "manager", "platform", "server", "mobile", "tools", "core", "admin"]
ORG_WORDS = ["coop", "collectif", "reseau", "solidarites", "assoc", "commun", "libre", "territoires",
             "cooperativa", "mutual", "civic", "entraide"]
ORG_SUFFIXES = ["dev", "numerique", "tech", "lab", "hub", "code", "outils", "info"]
USERS = ["jdupont", "mmartin", "alopez", "gsilva", "lrossi", "kmuller", "pixelgamer", "jdoe", "hackerman"]
LANGUAGES = [
    ("PHP", ["JavaScript", "Twig", "CSS"]),
    ("Python", ["HTML", "JavaScript", "CSS"]),
    ("Ruby", ["HTML", "JavaScript", "SCSS"]),
    ("JavaScript", ["TypeScript", "CSS", "HTML"]),
    ("TypeScript", ["JavaScript", "SCSS"]),
    ("Java", ["Kotlin", "Shell"]),
    ("Go", ["Shell", "Makefile"]),
    ("Elixir", ["JavaScript", "HTML"]),
]


def readme(name: str, descriptions: dict[str, str], topics: list[str]) -> str:
    lines = [f"# {name}", ""]
    for lang, text in descriptions.items():
        lines += [f"<!-- lang: {lang} -->", text + ".", ""]
    lines += ["## Installation", "", "```", "make install", "```", ""]
    if topics:
        lines += ["Keywords: " + ", ".join(topics), ""]
    return "\n".join(lines)


def package_json(name: str, licence: str | None, version: str = "1.0.0") -> str:
    data = {"name": name, "version": version, "private": False, "scripts": {"test": "jest"}}
    if licence:
        data["license"] = licence
    return json.dumps(data, indent=2) + "\n"


def publiccode_yml(name: str, url: str, licence: str, description: str, lang: str = "fr") -> str:
    return f"""publiccodeYmlVersion: "0.4"
name: {name}
url: "{url}"
landingURL: "{url}"
releaseDate: "2024-05-01"
platforms:
  - web
categories:
  - financial-reporting
  - collaboration
developmentStatus: stable
softwareType: "standalone/web"
description:
  {lang}:
    shortDescription: "{description[:100]}"
    longDescription: >
      {description}. Ce logiciel est d\u00e9velopp\u00e9 et maintenu par une coop\u00e9rative
      et utilis\u00e9 par des structures de l'\u00e9conomie sociale et solidaire.
    features:
      - gestion des adh\u00e9rents
legal:
  license: {licence}
maintenance:
  type: community
  contacts:
    - name: "Contact"
      email: "contact@example.org"
localisation:
  localisationReady: true
  availableLanguages:
    - fr
    - en
"""


CI_GITHUB = """name: CI
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test
"""
CI_GITLAB = """stages: [test]
test:
  stage: test
  script:
    - make test
"""
CI_WOODPECKER = """steps:
  test:
    image: python:3.12
    commands:
      - make test
"""
TEST_FILE = """def test_smoke():
    assert True
"""

HOSTILE_SCRIPT = "<script>alert(1)</script>"
HOSTILE_DESCRIPTION = ('Coop\u00e9rative <b>bold</b> <script>alert(1)</script> '
                       '<img src=x onerror="alert(2)"> <a href="javascript:alert(3)">clic</a> & "quotes"')
HOSTILE_README = """# <script>alert(1)</script>

<iframe src="javascript:alert(4)"></iframe>
<p onclick="alert(5)">Coop\u00e9rative de test</p>
"""
