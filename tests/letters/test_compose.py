"""The words of the request (one per kind of notice) and of the referral to the CADA."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date

import pytest

from letters.catalogue import choose
from letters.compose import referral_letter, request_letter
from letters.law import CITABLE
from letters.model import Letter, Party, RequestFacts
from letters.render import to_text
from tests.letters.conftest import facts
from vocabulary.terms import CATEGORIES, NOTICE_KINDS

CADA = ("TSA 50730\n75334 Paris Cedex 07", "cada@cada.fr")
ARTICLE = re.compile(r"articles? ((?:[LR]\. ?\d+-\d+)(?:(?:,| et) [LR]\. ?\d+-\d+)*)")


def text(letter: Letter) -> str:
    return to_text(letter)


def referral(f: RequestFacts, written_on: date = date(2025, 4, 10)) -> str:
    return text(referral_letter(f, written_on=written_on, cada_address=CADA[0], cada_email=CADA[1]))


def cited(body: str) -> set[str]:
    found = set()
    for group in ARTICLE.findall(body.replace("\n", " ")):
        found |= {a.strip() for a in re.split(r",| et ", group)}
    return found


@pytest.mark.parametrize("kind", NOTICE_KINDS)
def test_request_lists_the_documents_of_its_kind(kind: str) -> None:
    f = facts(kind=kind, categories=())
    body = text(request_letter(f))
    assert all(f"{i}. {a.label}" in body for i, a in enumerate(f.documents, 1))


@pytest.mark.parametrize("kind", NOTICE_KINDS)
@pytest.mark.parametrize("category", [(), *((c,) for c in CATEGORIES)])
def test_requests_cite_only_checked_articles(kind: str, category: tuple[str, ...]) -> None:
    body = text(request_letter(facts(kind=kind, categories=category)))
    assert cited(body) and cited(body) <= set(CITABLE)


def test_referral_cites_only_checked_articles() -> None:
    f = facts(sent_on=date(2025, 1, 6), refusal_on=date(2025, 2, 6))
    assert cited(referral(f)) <= set(CITABLE)


def test_award_request_says_the_contract_is_signed() -> None:
    assert "Le marché ayant été signé" in text(request_letter(facts(kind="award")))


def test_tender_request_does_not_ask_for_the_offers() -> None:
    body = text(request_letter(facts(kind="tender", categories=())))
    assert "ne demande pas, à ce stade, les candidatures ni les offres" in body


def test_award_request_names_the_notice_the_date_and_the_winner() -> None:
    body = text(request_letter(facts(kind="award")))
    assert (
        "l'avis d'attribution du marché « Fourniture et installation de caméras de "
        "vidéoprotection », publié le 3 juillet 2020 au Bulletin officiel des annonces des "
        "marchés publics (BOAMP), sous la référence 20-100747, attribué à Eiffage Énergie Systèmes"
    ) in body.replace("\n", " ")


def test_videoprotection_request_asks_for_the_prefects_authorisation() -> None:
    body = text(request_letter(facts(kind="contract")))
    assert "l'arrêté préfectoral autorisant le système de vidéoprotection" in body


def test_request_asks_for_redaction_not_refusal() -> None:
    body = text(request_letter(facts()))
    assert "après occultation de ces seules mentions, conformément à l'article L. 311-7" in body


def test_request_states_the_one_month_delay() -> None:
    body = text(request_letter(facts()))
    assert "dans un délai d'un mois à compter de la réception" in body


def test_email_request_asks_for_free_email_delivery() -> None:
    body = text(request_letter(facts()))
    assert "par courrier électronique, sans frais, à l'adresse c@ex.org" in body


def test_post_request_leaves_the_buyer_email_out() -> None:
    letter = request_letter(facts(mode="post"))
    assert "contact@ca2bm.fr" not in letter.recipient and "voie postale" in text(letter)


def test_commune_deliberation_also_cites_the_cgct() -> None:
    f = facts(kind="deliberation", categories=())
    f = replace(f, recipient=replace(f.recipient, name="Commune de Biaudos"))
    assert "L. 2121-26 du code général des collectivités territoriales" in text(request_letter(f))


def test_empty_fields_become_placeholders_not_inventions() -> None:
    f = facts(requester=Party(), recipient=replace(facts().recipient, address=""))
    body = text(request_letter(f))
    assert "[prénoms et nom]" in body and "[adresse à compléter]" in body


def test_referral_of_silence_dates_the_implicit_refusal() -> None:
    f = facts(sent_on=date(2025, 1, 6), refusal_on=date(2025, 2, 6))
    body = referral(f)
    assert "vaut décision implicite de refus, née le 6 février 2025" in body


def test_referral_of_an_explicit_refusal_attaches_it() -> None:
    f = facts(sent_on=date(2025, 1, 6), answered_on=date(2025, 1, 20), outcome="refused")
    letter = referral_letter(f, written_on=date(2025, 2, 1), cada_address=CADA[0],
                             cada_email=CADA[1])  # fmt: skip
    assert letter.attachments == (
        "copie de la demande du 6 janvier 2025",
        "copie de la réponse du 20 janvier 2025",
    )


def test_referral_of_a_partial_answer_lists_what_is_missing() -> None:
    f = facts(
        sent_on=date(2025, 1, 6),
        answered_on=date(2025, 1, 20),
        outcome="partial",
        missing=("offre_technique",),
    )
    body = referral(f)
    missing = [
        a.label for a in choose("award", ("videosurveillance",)) if a.key == "offre_technique"
    ]
    assert f"ne m'ont pas été communiqués :\n\n1. {missing[0]}" in body


def test_referral_carries_every_element_r343_1_requires() -> None:
    f = facts(sent_on=date(2025, 1, 6), refusal_on=date(2025, 2, 6))
    body = referral(f)
    assert all(
        part in body
        for part in (
            "Objet : demande d'avis sur un refus de communication",  # its object
            "article L. 342-1",  # the provisions it relies on
            "Camille Martin",  # a person's names …
            "Domicile : 12 rue des Lilas",  # … and home
            "copie de la demande du 6 janvier 2025",  # the unanswered request
        )
    )


def test_referral_by_an_organisation_gives_form_office_and_representative() -> None:
    org = Party(
        kind="organisation",
        name="Technopolice Montreuil",
        legal_form="association régie par la loi du 1er juillet 1901",
        representative="Camille Martin",
        address="3 place de la Mairie\n62170 Montreuil",
    )
    body = referral(facts(requester=org, sent_on=date(2025, 1, 6), refusal_on=date(2025, 2, 6)))
    assert (
        "Technopolice Montreuil, association régie par la loi du 1er juillet 1901\n"
        "Siège social : 3 place de la Mairie\n62170 Montreuil\n"
        "Représentée par Camille Martin"
    ) in body


def test_referral_within_the_prudent_window_says_so() -> None:
    f = facts(sent_on=date(2025, 1, 6), refusal_on=date(2025, 2, 6))
    assert "dans le délai de deux mois" in referral(f, written_on=date(2025, 4, 5))


def test_referral_after_the_prudent_window_does_not_claim_it() -> None:
    f = facts(sent_on=date(2025, 1, 6), refusal_on=date(2025, 2, 6))
    assert "dans le délai de deux mois" not in referral(f, written_on=date(2025, 4, 6))


def test_referral_names_the_surveillance_in_plain_words() -> None:
    f = facts(sent_on=date(2025, 1, 6), refusal_on=date(2025, 2, 6))
    assert "Ils concernent la vidéoprotection." in referral(f)
