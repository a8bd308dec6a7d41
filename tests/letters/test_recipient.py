"""The buyer to write to, read from real recorded BOAMP records of every shape."""

from __future__ import annotations

from letters.recipient import courriel, recipient_from_notice
from tests.letters.conftest import boamp_record


def test_2006_record_gives_name_address_and_mail() -> None:
    r = recipient_from_notice("boamp", boamp_record("BXP06181020621O"), "x", None)
    assert (r.name, r.address, r.email) == (
        "ville de Chenôve",
        "2, place Pierre-Meunier, B.P. 130\n21300 Chenôve",
        "marches.publics@ville-chenove.fr",
    )


def test_eforms_record_gives_the_buyer_organisation() -> None:
    r = recipient_from_notice("boamp", boamp_record("00047522-2024"), "x", None)
    assert (r.name, r.address) == (
        "Communauté de Communes du Piémont Cévenol",
        "13 bis, rue du Docteur Rocheblave - BP 11\n30260 Quissac",
    )


def test_2020_record_reads_the_nom_et_adresses_line() -> None:
    r = recipient_from_notice("boamp", boamp_record("20-100601"), "x", "21060029200010")
    assert (r.name, r.address, r.siret) == (
        "COMMUNE DE CANNES",
        "Place Cornut Gentille, Cs 30140\n06406 Cannes",
        "21060029200010",
    )


def test_boamp_text_mail_gets_its_at_sign_back_and_says_so() -> None:
    r = recipient_from_notice("boamp", boamp_record("20-99601"), "x", None)
    assert r.email == "marches.publics@agglo-ville.chartres.fr" and "reconstituée" in r.hint


def test_mapa_record_keeps_the_town_and_drops_the_contact_person() -> None:
    r = recipient_from_notice("boamp", boamp_record("20-101964"), "x", None)
    assert (r.name, r.address) == ("SGAMI de Lille", "59012 Lille Cedex")
    assert "Lamblin" not in r.hint and "cité administrative" in r.hint


def test_other_sources_give_name_and_siret_only() -> None:
    r = recipient_from_notice("decp", {"acheteur": {"id": "1"}}, "Ville de Lyon", "21690123100011")
    assert (r.name, r.address, r.siret) == ("Ville de Lyon", "", "21690123100011")


def test_a_mail_that_is_not_local_part_and_domain_is_not_rebuilt() -> None:
    assert courriel("voir le profil acheteur") == ("", False)
