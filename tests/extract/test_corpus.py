"""Record loaders: each corpus format gives the fields of the labelled record."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.corpus import CorpusError, html_to_text, load_record

DATA = Path(__file__).parents[1] / "fixtures" / "corpus_labels"


def _fields(file: str, record_id: str, title: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in load_record(DATA, file, record_id, title).fields:
        out.setdefault(f.field, []).append(f.text)
    return out


def test_boamp_api_title() -> None:
    fields = _fields("boamp_api_v2.1/boamp_records_2024-03-01.json", "BWP061840200917")
    assert "télésurveillance" in fields["title"][0]


def test_boamp_api_descriptors_one_field_each() -> None:
    fields = _fields("boamp_api_v2.1/boamp_records_2024-03-01.json", "BWP061840200917")
    assert "Télésurveillance" in fields["descriptor"]


def test_boamp_api_donnees_text_is_searchable() -> None:
    fields = _fields("boamp_api_v2.1/boamp_records_2024-03-01.json", "BWP061840200917")
    assert "Aigueblanche" in fields["extra"][0]


def test_utf16_html_is_decoded_and_stripped() -> None:
    fields = _fields("boamp_ted_html_2020/35661219__T455711455.html", "20-100747")
    assert (
        "CAMERAS DE VIDEOPROTECTION" in fields["description"][0]
        and "<" not in fields["description"][0]
    )


def test_decp_record_by_id_keeps_fffd() -> None:
    fields = _fields("decp_2019/data.gouv.fr_aife_2019-04-04.json", "2018xLhnXotcvc00")
    assert "vid\ufffdoprotection" in fields["title"][0]


def test_decp_cpv_field() -> None:
    fields = _fields("decp_2019/data.gouv.fr_aife_2019-04-04.json", "2018doz-IOO1fI00")
    assert fields["cpv"] == ["35125300"]


def test_decp_shared_id_picks_record_by_title() -> None:
    fields = _fields(
        "decp_2019/marches-publics.info_2019-03-07.json",
        "20180900",
        "Travaux de mise en place d'un dispositif de vidéo protection urbaine",
    )
    assert "vidéo protection urbaine" in fields["title"][0]


def test_ted_r209_title_description_cpv() -> None:
    fields = _fields("ted_xml_fr/r2.0.9__form_number_F05__334815-2021.xml", "334815-2021")
    assert ("32323500" in fields["cpv"], "vidéosurveillance" in fields["description"][0]) == (
        True,
        True,
    )


def test_ted_eforms_title_and_cpv() -> None:
    fields = _fields("ted_xml_fr/eforms__sdk_examples_cn__cn_24_FRA_comments.xml", "")
    assert (fields["title"][0][:20], fields["cpv"]) == ("Service d'entretien ", ["77310000"])


def test_listing_csv_title_from_markdown_row() -> None:
    fields = _fields("boamp_extractor_listing_2022.csv", "21-159585")
    assert fields["title"][0].startswith("Videoprotection : déploiement")


def test_listing_csv_drops_watch_keyword() -> None:
    fields = _fields("boamp_extractor_listing_2022.csv", "21-159585")
    assert "*" not in fields["title"][0]


def test_jsonl_by_doc_id() -> None:
    fields = _fields("pages_documents_dev.jsonl", "nextinpact-lapi-ministere")
    assert "LAPI" in fields["description"][0]


def test_pdf_pages_are_document_fields() -> None:
    record = load_record(DATA, "boamp_pdf_2020/boamp-avis-20-101498.pdf", "")
    assert record.fields[0].page == 1 and "20-101498" in " ".join(f.text for f in record.fields)


def test_missing_record_raises() -> None:
    with pytest.raises(CorpusError):
        load_record(DATA, "pages_documents_dev.jsonl", "no-such-doc")


def test_missing_file_raises() -> None:
    with pytest.raises(CorpusError):
        load_record(DATA, "nope.json", "x")


def test_broken_xml_raises_corpus_error(tmp_path: Path) -> None:
    (tmp_path / "bad.xml").write_text("<TED_EXPORT><unclosed>", encoding="utf-8")
    with pytest.raises(CorpusError):
        load_record(tmp_path, "bad.xml", "")


def test_html_to_text_drops_scripts() -> None:
    assert html_to_text("<p>a</p><script>x()</script><b>b&amp;c</b>").split() == ["a", "b&c"]


def test_prefecture_de_police_title_row(tmp_path: Path) -> None:
    path = tmp_path / "arretes.csv"
    path.write_text(
        "numero_arrete,titre,date_publication,pdf_url\n"
        "2025-00010,Arrêté n°2025-00010 autorisant la captation d'images,2025-01-04,u\n",
        encoding="utf-8",
    )
    record = load_record(tmp_path, "arretes.csv", "2025-00010")
    assert record.fields[0].text.startswith("Arrêté n°2025-00010")


def test_raa_bundle_gives_one_act(tmp_path: Path) -> None:
    bundle = (
        "Sommaire\n83-2025-01-01-00001 - Arrêté A (2 pages)\n83-2025-01-02-00002 - Arrêté B\n"
        "83-2025-01-01-00001\nArrêté A autorisant la captation d'images\n"
        "83-2025-01-02-00002\nArrêté B portant interdiction de vols de drones\n"
    )
    (tmp_path / "b.txt").write_text(bundle, encoding="utf-8")
    record = load_record(tmp_path, "b.txt", "83-2025-01-01-00001")
    assert "captation" in record.fields[0].text and "interdiction" not in record.fields[0].text
