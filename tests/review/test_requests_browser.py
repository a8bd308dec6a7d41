"""An access request end to end in real headless Chromium: drafted from a notice, edited, its
letter downloaded, sent, refused by silence, listed and exported, referred to the CADA,
answered in part, the received file uploaded, read and its flagged page opened.

One browser for the module; the tests run in order on one page, like an analyst's session.
"""

from __future__ import annotations

import csv
import io
import shutil
import threading
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Page

import review.auth
from extract.office import extract_office
from extract.result import Limits
from tests.review.conftest import PASSWORD, Seeded, make_app
from tests.review.test_browser import CHROMIUM, CHROMIUM_ARGS
from veilleur.requests import read_received
from vocabulary.deadlines import today_in_paris

pytestmark = pytest.mark.browser

ANSWER = Path(__file__).parents[1] / "fixtures" / "requests" / "raa-var-242-2025-07-15.pdf"
CCTV = "20-100747"
SENT = today_in_paris() - timedelta(days=40)


@pytest.fixture(autouse=True)
def cheap_argon2() -> None:
    """Overrides the package fixture: the module-scoped server keeps the hasher set below."""


@pytest.fixture(scope="module")
def server(
    _template_db: tuple[Path, Seeded], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Seeded]]:
    from waitress.server import create_server

    tmp = tmp_path_factory.mktemp("requests-browser")
    shutil.copyfile(_template_db[0], tmp / "veilleur.sqlite")
    url = f"sqlite:///{tmp / 'veilleur.sqlite'}"
    saved = review.auth._hasher
    review.auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    reader = partial(read_received, url, str(tmp / "documents"))
    app = make_app(url, tmp, REQUEST_DOCUMENT_PROCESSOR=reader)
    srv = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.effective_port}", _template_db[1]
    finally:
        srv.close()
        thread.join(10)
        review.auth._hasher = saved


@pytest.fixture(scope="module")
def page(server: tuple[str, Seeded]) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(locale="fr-FR", accept_downloads=True)
        yield context.new_page()
        browser.close()


def test_draft_from_the_notice_page(page: Page, server: tuple[str, Seeded]) -> None:
    base, seeded = server
    page.goto(f"{base}/notices/{seeded.notices[CCTV]}")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_selector("#request-create-button")
    page.click("#request-create-button")
    page.wait_for_url("**/requests/*")
    assert page.inner_text("#request-state") == "Brouillon"
    assert "En application des articles L. 300-1 et L. 311-1" in page.inner_text("#letter")


def test_edit_who_signs(page: Page, server: tuple[str, Seeded]) -> None:
    page.fill("input[name=requester_name]", "Camille Martin")
    page.fill("textarea[name=requester_address]", "12 rue des Lilas\n62170 Montreuil")
    page.fill("input[name=requester_email]", "camille@example.org")
    page.uncheck("input[name=documents][value=cadre_prix]")
    page.click("#save-draft")
    page.wait_for_selector(".flash.ok")
    letter = page.inner_text("#letter")
    assert "Camille Martin" in letter and "camille@example.org" in letter
    assert "cadre du bordereau" not in letter


def test_the_odt_letter_downloads(page: Page, server: tuple[str, Seeded]) -> None:
    with page.expect_download() as info:
        page.click("#letter-odt")
    text = extract_office(Path(info.value.path()).read_bytes(), "odt", Limits()).pages[0].text
    assert "Objet : demande de communication de documents administratifs" in text


def test_mark_sent_forty_days_ago_is_a_refusal_by_silence(
    page: Page, server: tuple[str, Seeded]
) -> None:
    page.fill("input[name=sent_on]", SENT.isoformat())
    page.click("#mark-sent")
    page.wait_for_selector(".flash.ok")
    assert page.inner_text("#request-state") == "Refus implicite"
    assert page.inner_text("#referral-until") != ""


def test_the_list_shows_it_under_refused(page: Page, server: tuple[str, Seeded]) -> None:
    page.click("header.top >> text=Demandes d'accès")
    page.select_option("select[name=state]", "refused")
    page.click("#request-filters button[type=submit]")
    page.wait_for_url("**state=refused**")
    assert page.locator("a.request-link").count() == 1
    assert "Refus implicite" in page.inner_text("table.requests")


def test_the_filtered_list_exports_as_csv(page: Page, server: tuple[str, Seeded]) -> None:
    with page.expect_download() as info:
        page.click("#requests-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))
    assert [(r["effective_state"], r["sent_on"]) for r in rows] == [("refused", SENT.isoformat())]


def test_the_referral_downloads_and_is_recorded(page: Page, server: tuple[str, Seeded]) -> None:
    page.click("a.request-link")
    with page.expect_download() as info:
        page.click("#referral-docx")
    text = extract_office(Path(info.value.path()).read_bytes(), "docx", Limits()).pages[0].text
    assert "vaut décision implicite de refus" in text and "Domicile : 12 rue des Lilas" in text
    page.click("#mark-referred")
    page.wait_for_selector(".flash.ok")
    assert page.inner_text("#request-state") == "CADA saisie"


def test_a_partial_answer_is_recorded(page: Page, server: tuple[str, Seeded]) -> None:
    page.select_option("#outcome", "partial")
    page.check("input[name=missing][value=cctp]")
    page.click("#record-answer")
    page.wait_for_selector(".flash.ok")
    assert "une partie des documents" in page.inner_text("#deadlines")


def test_the_received_file_is_read_and_its_page_flagged(
    page: Page, server: tuple[str, Seeded]
) -> None:
    page.set_input_files("input[name=files]", str(ANSWER))
    page.click("#upload-files")
    page.wait_for_selector("a.flagged-page", timeout=90_000)  # the page refreshes while reading
    assert page.locator("a.flagged-page").all_inner_texts() == ["67", "68"]


def test_the_flagged_page_opens_on_its_text(page: Page, server: tuple[str, Seeded]) -> None:
    page.click("a.flagged-page >> nth=0")
    page.wait_for_url("**/pages/67**")
    assert "caméras individuelles" in page.inner_text("div.text")


def test_the_notice_is_documented_and_cites_the_page(
    page: Page, server: tuple[str, Seeded]
) -> None:
    base, seeded = server
    page.goto(f"{base}/notices/{seeded.notices[CCTV]}")
    assert "/pages/67" in page.inner_html("#hits")
    assert "Documenté" in page.inner_text("header.card")
