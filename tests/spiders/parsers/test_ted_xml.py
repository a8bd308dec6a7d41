"""TED XML parsing on real notices of both formats, and refusal of hostile XML."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from lxml import etree

from spiders.parsers.safe_xml import HostileXMLError, MalformedXMLError
from spiders.parsers.ted_xml import (
    canonical_publication_number,
    parse_ted_xml,
)
from veilleur.demo.sources import DEMO_SOURCES

#: the demo's real TED notices (one copy, replayed by the demo too)
XML = DEMO_SOURCES / "ted" / "xml"


def _parse(name: str):
    return parse_ted_xml((XML / name).read_bytes(), url=f"http://127.0.0.1/{name}")


F05 = "r2.0.9__form_number_F05__334815-2021.xml"
F03 = "r2.0.9__form_number_F03__148511-2021.xml"
F14 = "r2.0.9__form_number_F14__100541-2021.xml"
F20 = "r2.0.9__form_number_F20__317779-2017.xml"
F01 = "r2.0.9__form_number_F01__153403-2021.xml"
TWIN = "r2.0.9__eforms_subtype_29__273048-2016.xml"
CN24 = "eforms__op_test_cn_d2.1__2024-OJS017-00047522.xml"
CAN = "eforms__sdk_examples_can__can_24_FRA_comments.xml"


def test_r2_publication_number_loses_leading_zeros() -> None:
    assert _parse(TWIN).source_id == "273048-2016"


def test_r2_contract_notice_is_a_tender() -> None:
    assert _parse(F05).kind == "tender"


def test_r2_contract_notice_title() -> None:
    assert _parse(F05).title == "Marché équipements de Courants faibles (CFA)"


def test_r2_description_keeps_the_surveillance_words() -> None:
    assert "vidéo" in _parse(F05).description.lower()


def test_r2_buyer_siret_from_nationalid() -> None:
    assert _parse(F05).buyer_siret == "28750007800020"


def test_r2_cpv_codes_include_video_surveillance() -> None:
    assert "32323500" in _parse(F05).cpv_codes


def test_r2_deadline_combines_date_and_time() -> None:
    assert _parse(F05).deadline_at == datetime(2021, 7, 28, 12, 0)


def test_r2_publication_date() -> None:
    assert _parse(F03).published_at == date(2021, 3, 26)


def test_r2_award_kind() -> None:
    assert _parse(F03).kind == "award"


def test_r2_award_points_to_its_contract_notice() -> None:
    assert _parse(F03).related_ids == ["470724-2020"]


def test_r2_award_lists_awardees_with_values() -> None:
    awardees = _parse(F03).awardees
    assert awardees and all(a["name"] and a["value"] for a in awardees)


def test_r2_corrigendum_is_a_correction() -> None:
    assert _parse(F14).kind == "correction"


def test_r2_modification_links_to_the_modified_notice() -> None:
    assert _parse(F20).related_ids == ["378795-2016"]


def test_r2_prior_information_kind() -> None:
    assert _parse(F01).kind == "prior_information"


def test_r2_quoted_boamp_id_is_kept() -> None:
    assert "BOAMP 15-189584" in _parse(TWIN).extra_text


def test_r2_departement_from_buyer_postcode() -> None:
    assert _parse(F03).departements == ["69"]


def test_eforms_publication_number() -> None:
    assert _parse(CN24).source_id == "47522-2024"


def test_eforms_contract_notice_kind() -> None:
    assert _parse(CN24).kind == "tender"


def test_eforms_title_in_french() -> None:
    assert _parse(CN24).title.startswith("Prestations de collecte des colonnes de verre")


def test_eforms_buyer_resolved_through_organizations() -> None:
    notice = _parse(CN24)
    assert (notice.buyer_name, notice.buyer_siret) == (
        "Communauté de Communes du Piémont Cévenol",
        "20003441100013",
    )


def test_eforms_deadline() -> None:
    assert _parse(CN24).deadline_at == datetime(2024, 2, 28, 12, 0)


def test_eforms_procedure_key_is_the_contract_folder() -> None:
    assert _parse(CN24).procedure_key == "240d1ad9-b2d8-45ec-bea9-d11e7a75b28e"


def test_eforms_award_kind() -> None:
    assert _parse(CAN).kind == "award"


def test_eforms_awardees_from_notice_result() -> None:
    names = {a["name"] for a in _parse(CAN).awardees}
    assert names == {"Espaces Verts Lemire", "ID Verde SASU"}


def test_eforms_award_total_amount() -> None:
    assert _parse(CAN).estimated_value == pytest.approx(390697.84)


def test_every_fixture_parses_with_title_buyer_and_cpv() -> None:
    for path in XML.glob("*.xml"):
        notice = parse_ted_xml(path.read_bytes())
        assert notice.title and notice.buyer_name and notice.cpv_codes, path.name


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<TED_EXPORT DOC_ID="1-2024">&lol4;</TED_EXPORT>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<TED_EXPORT DOC_ID="1-2024"><TITLE>&xxe;</TITLE></TED_EXPORT>"""


def test_billion_laughs_is_refused() -> None:
    with pytest.raises(HostileXMLError):
        parse_ted_xml(BILLION_LAUGHS)


def test_external_entity_is_refused() -> None:
    with pytest.raises(HostileXMLError):
        parse_ted_xml(XXE)


def test_truncated_notice_is_malformed() -> None:
    data = (XML / F05).read_bytes()
    with pytest.raises(MalformedXMLError):
        parse_ted_xml(data[: len(data) // 2])


def test_canonical_number_from_ojs_reference() -> None:
    assert canonical_publication_number("2020/S 195-470724") == "470724-2020"


def test_eforms_notice_is_known_by_its_root_name_without_extensions() -> None:
    root = etree.fromstring((XML / CN24).read_bytes())
    root.remove(root.find("{*}UBLExtensions"))
    assert parse_ted_xml(etree.tostring(root)).raw == {"format": "eforms", "root": "ContractNotice"}
