"""A digest entry a volunteer can act on, read from the bytes a real SMTP server on loopback
received; the unsubscribe link and the List-Unsubscribe header really remove the recipient; the
"Dans Veilleur" link opens the group's read-only view without an account; ``--out DIR`` writes
valid HTML."""

from __future__ import annotations

import email
import re
from datetime import UTC, datetime, timedelta
from email import policy
from pathlib import Path
from urllib.parse import urlsplit

import html5lib
import pytest
from click.testing import CliRunner

from db.session import session_scope
from digest import queries as q
from digest.service import send_digests
from review.app import create_app
from tests.factories import add_group, decision, digest_notice, digest_record, store
from tests.smtp import SmtpServer
from veilleur.cli import cli
from vocabulary.decision import Hit

KEY = "digest-and-desk-share-this-key"
ENV = {"VEILLEUR_BASE_URL": "https://veilleur.example.org", "VEILLEUR_SECRET_KEY": KEY}
NOW = datetime.now(UTC)


def _parts(raw: bytes) -> tuple[email.message.EmailMessage, str, str]:
    msg = email.message_from_bytes(raw, policy=policy.default)
    parts = {p.get_content_type(): p.get_content() for p in msg.walk() if not p.is_multipart()}
    return msg, parts["text/plain"], parts["text/html"]  # type: ignore[return-value]


def _lyon_notice(**fields):
    """The real Lyon Mermoz Nord contract, with hits quoting "vidéo protection" in the title
    three times (three rules) and a CPV hit, as the rules engine records them."""
    record = digest_record("2018J114600")
    title = record["title"]
    start = title.index("vidéo protection")
    hit = dict(category="videosurveillance", field="title", snippet=title, weight=1.0)
    span = dict(term="vidéo protection", snippet_start=start, snippet_end=start + 16)
    hits = [Hit(f"videosurveillance.r{i}", "1", **hit, **span) for i in range(3)]
    hits.append(Hit("videosurveillance.cpv", "1", "videosurveillance", "cpv", "32323500", 1.0, term="32323500", snippet_start=0, snippet_end=8))  # fmt: skip
    item, _ = digest_notice(record, **fields)
    return item, decision(*hits)


@pytest.fixture
def sent(sqlite_url: str, smtp: SmtpServer):
    with session_scope(sqlite_url) as s:
        add_group(s, "lyon", ["a@example.org", "b@example.org"], departements=["69"], contact="veille-lyon@example.org")  # fmt: skip
        store(
            s,
            *_lyon_notice(
                commune_insee="69123", estimated_value=1_234_567.0, published_at=NOW.date(),
                deadline_at=NOW - timedelta(days=2), cpv_codes=["32323500"],
            ),
        )  # fmt: skip
    send_digests(sqlite_url, now=NOW, settings=smtp.settings, env=ENV)
    return sqlite_url, smtp.handler.to("a@example.org")[0].raw


def test_entry_names_the_commune_and_departement(sent) -> None:
    assert "Lyon (69 – Rhône)" in _parts(sent[1])[1]


def test_entry_says_the_kind_in_french_and_the_date(sent) -> None:
    assert f"Appel d'offres, publié le {NOW:%d/%m/%Y}" in _parts(sent[1])[1]


def test_entry_gives_the_amount_the_french_way(sent) -> None:
    assert "Montant estimé : 1\u202f234\u202f567 €" in _parts(sent[1])[1]


def test_past_deadline_says_clos(sent) -> None:
    assert re.search(r"Date limite : \d\d/\d\d/\d{4} à \d\dh\d\d \(clos\)", _parts(sent[1])[1])


def test_matched_words_quoted_once_and_cpv_with_its_label(sent) -> None:
    text = _parts(sent[1])[1]
    quotes = re.findall(r"« .*\*vidéo protection\* .* »", text)
    assert (len(quotes), "Code CPV 32323500 – Système de surveillance vidéo" in text) == (1, True)


def test_entry_says_what_to_do(sent) -> None:
    assert "Que faire ? Demandez à l'acheteur les pièces du marché" in _parts(sent[1])[1]


def test_digest_gives_the_groups_contact(sent) -> None:
    assert "Contact du groupe : veille-lyon@example.org" in _parts(sent[1])[1]


def test_each_recipient_gets_their_own_unsubscribe_header(sent, smtp: SmtpServer) -> None:
    heads = [
        str(email.message_from_bytes(m.raw, policy=policy.default)["List-Unsubscribe"])
        for m in smtp.handler.messages
    ]
    assert len(heads) == len(set(heads)) == 2 and all(
        h.strip().startswith("<https://") for h in heads
    )


def _app(url: str, tmp_path: Path):
    return create_app(
        url, {"SECRET_KEY": KEY, "SESSION_COOKIE_SECURE": False, "DOCUMENTS_DIR": str(tmp_path)}
    )


def test_one_click_unsubscribe_removes_the_recipient(
    sent, smtp: SmtpServer, tmp_path: Path
) -> None:
    url, raw = sent
    msg = email.message_from_bytes(raw, policy=policy.default)
    link = str(msg["List-Unsubscribe"]).strip().strip("<>")
    with _app(url, tmp_path).test_client() as client:
        answer = client.post(urlsplit(link).path, data={"List-Unsubscribe": "One-Click"})
    with session_scope(url) as s:
        recipients = q.get_group(s, "lyon").recipients
    assert (answer.status_code, recipients) == (200, ["b@example.org"])


def test_unsubscribe_page_asks_before_removing(sent, tmp_path: Path) -> None:
    url, raw = sent
    link = re.search(r"Se désinscrire de ces envois : (\S+)", _parts(raw)[1]).group(1)
    with _app(url, tmp_path).test_client() as client:
        client.get(urlsplit(link).path)
    with session_scope(url) as s:
        assert q.get_group(s, "lyon").recipients == ["a@example.org", "b@example.org"]


def test_next_digest_skips_the_unsubscribed(sent, smtp: SmtpServer, tmp_path: Path) -> None:
    url, raw = sent
    link = (
        str(email.message_from_bytes(raw, policy=policy.default)["List-Unsubscribe"])
        .strip()
        .strip("<>")
    )
    with _app(url, tmp_path).test_client() as client:
        client.post(urlsplit(link).path)
    with session_scope(url) as s:
        store(s, *digest_notice(digest_record("20-102325")))
    send_digests(url, now=NOW, settings=smtp.settings, env=ENV, group_names=["lyon"])
    assert (len(smtp.handler.to("a@example.org")), len(smtp.handler.to("b@example.org"))) == (1, 2)


def test_in_veilleur_link_opens_without_an_account(sent, tmp_path: Path) -> None:
    url, raw = sent
    link = re.search(r"Dans Veilleur : (\S+)", _parts(raw)[1]).group(1)
    with _app(url, tmp_path).test_client() as client:
        page = client.get(urlsplit(link).path)
    assert page.status_code == 200 and "Mermoz Nord" in page.get_data(as_text=True)


def test_out_dir_writes_valid_html_and_the_text_part(sqlite_url: str, tmp_path: Path) -> None:
    with session_scope(sqlite_url) as s:
        add_group(s, "Lyon — Rhône", ["a@example.org"], departements=["69"])
        store(s, *_lyon_notice())
    out = tmp_path / "digests"
    result = CliRunner().invoke(
        cli, ["digest", "--out", str(out)], env={"DATABASE_URL": sqlite_url, **ENV}
    )
    parser = html5lib.HTMLParser(strict=True)
    parser.parse((out / "lyon-rhone.html").read_text(encoding="utf-8"))  # raises on any error
    assert result.exit_code == 0 and "Mermoz Nord" in (out / "lyon-rhone.txt").read_text("utf-8")
