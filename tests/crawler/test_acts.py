"""Which acts of a recueil become notices: all of an ordinary recueil, only the surveillance
acts of a nominative one (real text of the Var's RAA N°192 of 6 June 2025)."""

from __future__ import annotations

from crawler.pipelines.acts import acts_to_keep
from extract.raa import split_bundle
from extract.rules import default_ruleset
from tests.conftest import FIXTURES
from vocabulary.documents import PageText
from vocabulary.items import DocumentRef, NoticeItem

TEXT = (FIXTURES / "prefectures" / "var" / "bundles" / "02db690e8470fb80.txt").read_text(
    encoding="utf-8"
)


def _kept(title: str) -> list[str]:
    ref = DocumentRef(url="https://www.var.gouv.fr/r.pdf", sha256="0" * 64, status="ok")
    ref.pages = [PageText(1, TEXT)]
    bundle = NoticeItem("raa_83", "raa-x", "authorisation", title, ref.url, documents=[ref])
    info = {"prefecture": "Préfecture du Var", "departements": ["83"]}
    acts = split_bundle(ref.pages)
    return [n.source_id for n in acts_to_keep(bundle, ref, acts, info, default_ruleset())]


def test_every_act_of_an_ordinary_recueil() -> None:
    assert _kept("RAA N°192 du 6 juin 2025") == [
        "83-2025-06-06-00001",
        "83-2025-06-06-00003",
        "83-2025-06-06-00002",
    ]


def test_only_surveillance_acts_of_a_nominative_recueil() -> None:
    # the same real acts under a nominative recueil's name (the name is the test's)
    kept = _kept("RAA N°192 spécial (nominatifs) du 6 juin 2025")
    assert "83-2025-06-06-00001" in kept  # the drone authorisation
    assert "83-2025-06-06-00003" not in kept  # a ban on fireworks


def test_nominative_commission_acts_keep_no_private_name() -> None:
    text = (FIXTURES / "prefectures" / "nominative" / "raa-010-2025-head.txt").read_text(
        encoding="utf-8"
    )
    ref = DocumentRef(url="https://www.var.gouv.fr/r.pdf", sha256="0" * 64, status="ok")
    ref.pages = [PageText(1, text)]
    bundle = NoticeItem("raa_83", "raa-x", "authorisation", "RAA N°010", ref.url, documents=[ref])
    kept = acts_to_keep(bundle, ref, split_bundle(ref.pages), {}, default_ruleset())
    assert len(kept) == 4  # every arrêté of the commission is about vidéoprotection
    flassans = kept[2]
    assert "Nombre de caméras : 7" in flassans.description
    # a request "présentée par M. <name>, Président de la Métropole …": the name is removed
    pages = " ".join(p.text for n in kept for p in n.documents[0].pages)
    assert "BENHAMOU" not in pages and "GIRAN" not in pages
    assert "[nom retiré]" in flassans.documents[0].pages[0].text
