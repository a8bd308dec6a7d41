"""Rendering: autoescaped HTML, plain text, no personal contact data, one-line subjects."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from digest.build import GroupSpec, build_digest
from digest.render import render_digest, scrub_personal
from tests.digest.test_build import ALL, view
from tests.factories import digest_record

NOW = datetime(2026, 11, 29, 7, 0, tzinfo=UTC)
G = GroupSpec(id=1, name="Lyon", recipients=("a@example.org",), departements=("69",))
CONTACT = digest_record("20-102325")["contact_text"]


def _render(notices=ALL, base_url=None, read_base=None):
    digest = build_digest(G, "a@example.org", NOW, notices, {}, base_url=base_url)
    return render_digest(replace(digest, read_base=read_base))


def test_phone_removed_from_real_contact_block() -> None:
    assert "78 22 02 12" not in scrub_personal(CONTACT)


def test_mangled_email_removed_from_real_contact_block() -> None:
    assert "collongesaumontdor.fr" not in scrub_personal(CONTACT)


def test_plain_email_removed() -> None:
    assert "marchespublics@ca2bm.fr" not in scrub_personal(
        "Courriel marchespublics@ca2bm.fr , Code NUTS"
    )


def test_civility_name_removed() -> None:
    assert "Dupont" not in scrub_personal("Renseignements : M. Jean Dupont, service technique")


def test_contact_label_removed() -> None:
    assert "Martin" not in scrub_personal("Contact : Sophie Martin, direction de la sécurité")


def test_buyer_kept() -> None:
    assert "Commune de collonges" in scrub_personal("Commune de collonges au mont d'or")


def test_snippet_contact_not_in_digest() -> None:
    notice = view("20-102325", snippets=(("videosurveillance", "description", CONTACT),))
    assert "78 22 02 12" not in _render([notice]).text


def test_html_escapes_title() -> None:
    notice = view("2018J114600", title="<script>alert(1)</script> vidéoprotection")
    assert "<script>" not in _render([notice]).html


def test_text_part_keeps_title() -> None:
    assert "Mermoz Nord" in _render().text


def test_in_veilleur_link_opens_the_groups_read_only_view() -> None:
    html = _render(read_base="https://veilleur.example.org/p/TOKEN").html
    assert 'href="https://veilleur.example.org/p/TOKEN/notices/6">Dans Veilleur' in html


def test_no_desk_link_that_would_ask_a_volunteer_to_log_in() -> None:
    assert "/notices/" not in _render(base_url="https://veilleur.example.org").html


def test_no_ui_link_without_base_url() -> None:
    assert "/notices/" not in _render().text


def test_source_link() -> None:
    assert "https://www.boamp.fr/avis/detail/20-102325" in _render().text


def test_javascript_url_not_linked() -> None:
    notice = view("2018J114600", url="javascript:alert(1)")
    assert "javascript:" not in _render([notice]).html


def test_snippet_in_digest() -> None:
    assert "vidéo protection avec création fibre optique" in _render().text


def test_subject_single_line() -> None:
    notice = view("2018J114600", title="Caméras\r\nBcc: x@example.org")
    assert "\n" not in _render([notice]).subject


def test_deadline_shown_in_paris_time() -> None:
    notice = view("2018J114600", deadline_at=datetime(2026, 12, 1, 11, 0, tzinfo=UTC))
    assert "01/12/2026 à 12h00" in _render([notice]).text
