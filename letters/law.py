"""The articles a letter may cite, each with where its text was read and how.

A test extracts every article number from every letter Veilleur writes and fails when one is
not here. ``read`` says how the text was checked:

* ``official`` — read on legifrance.gouv.fr at ``version``;
* ``mirror`` — read on a site republishing the official database, or quoted whole by a public
  body;
* ``number`` — the number and what the letter uses it for are stated by the CADA itself, the
  exact wording was not read (the letter then cites it without quoting it).

Articles whose content is only known from secondary sources (R*311-12, R311-13, R343-3 to
R343-5, L311-6) are not here: the letters state the rule in plain words without citing them.
The full record, with the texts, is ``docs/requests.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CITABLE", "Citation"]


@dataclass(frozen=True)
class Citation:
    code: str
    article: str
    read: str
    version: str
    source: str
    uses: str


CRPA = "code des relations entre le public et l'administration"
CGCT = "code général des collectivités territoriales"

CITABLE: dict[str, Citation] = {
    c.article: c
    for c in (
        Citation(
            CRPA,
            "L. 300-1",
            "official",
            "2016-01-01",
            "https://www.legifrance.gouv.fr/codes/id/LEGIARTI000031367687/2016-01-01/",
            "the right of access",
        ),
        Citation(
            CRPA,
            "L. 300-2",
            "official",
            "2016-01-01",
            "https://www.legifrance.gouv.fr/codes/id/LEGIARTI000031367687/2016-01-01/",
            "what an administrative document is",
        ),
        Citation(
            CRPA,
            "L. 311-1",
            "official",
            "2016-01-01",
            "https://www.legifrance.gouv.fr/codes/id/LEGIARTI000031367687/2016-01-01/",
            "the duty to communicate",
        ),
        Citation(
            CRPA,
            "L. 311-2",
            "official",
            "2020-10-28",
            "https://www.legifrance.gouv.fr/codes/section_lc/LEGITEXT000031366350/"
            "LEGISCTA000031367692/2020-10-28/",
            "a body that does not hold a document forwards the request",
        ),
        Citation(
            CRPA,
            "L. 311-7",
            "mirror",
            "after 2016-10",
            "formations-geomatiques.developpement-durable.gouv.fr (quoted whole); CADA 20215712",
            "protected passages are hidden, the rest communicated",
        ),
        Citation(
            CRPA,
            "L. 311-9",
            "number",
            "",
            "https://www.cada.fr/administration/le-respect-des-modalites-de-communication",
            "the requester chooses the mode, e-mail without charge",
        ),
        Citation(
            CRPA,
            "L. 342-1",
            "official",
            "2019-05-24",
            "https://www.legifrance.gouv.fr/affichCode.do?idSectionTA=LEGISCTA000031367773"
            "&cidTexte=LEGITEXT000031366350&dateTexte=20190524",
            "the CADA gives opinions on refusals; referral precedes any court case",
        ),
        Citation(
            CRPA,
            "R. 343-1",
            "mirror",
            "",
            "https://weka.fr/base-juridique-weka/code_CREPA_LEGISCTA000031370505.html",
            "two months to refer; what a referral contains",
        ),
        Citation(
            CGCT,
            "L. 2121-26",
            "mirror",
            "2016-01-01 to 2022-07-01",
            "doctrine.fr, LEGIARTI000006389886",
            "anyone may obtain a commune's council acts",
        ),
    )
}
