"""The desk in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against
the app served by waitress on a free loopback port.

One browser for the module; every test gets its own server on its own copy of the seeded
database and its own browser context (cookies), and logs in itself: tests pass alone, in any
order, on any worker.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, Dialog, Page

import review.auth
from db.read_links import current_read_link, read_link_token, revoke_read_links
from db.session import session_scope
from extract.fields import notice_text_fields
from extract.rules import default_ruleset
from tests.factories import add_group, add_verdict, notice_item, store
from tests.review.conftest import PASSWORD, Seeded, make_app

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
#: where the phone-width screenshots go (kept for a look when VEILLEUR_SCREENSHOTS is set)
SHOTS = os.environ.get("VEILLEUR_SCREENSHOTS")


@dataclass
class Desk:
    base: str
    url: str
    seeded: Seeded


@pytest.fixture(autouse=True)
def cheap_argon2() -> None:
    """Overrides the package fixture: the server thread keeps the hasher set below."""


@pytest.fixture
def desk(_template_db: tuple[Path, Seeded], tmp_path: Path) -> Iterator[Desk]:
    from waitress.server import create_server

    shutil.copyfile(_template_db[0], tmp_path / "veilleur.sqlite")
    saved = review.auth._hasher
    review.auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    url = f"sqlite:///{tmp_path / 'veilleur.sqlite'}"
    srv = create_server(make_app(url, tmp_path), host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    try:
        yield Desk(f"http://127.0.0.1:{srv.effective_port}", url, _template_db[1])
    finally:
        srv.close()
        thread.join(10)
        review.auth._hasher = saved


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def dialogs() -> list[str]:
    """Messages of every alert/confirm/prompt a page opened (an injection that ran adds one)."""
    return []


def _page(browser: Browser, dialogs: list[str], **options: object) -> Page:
    context = browser.new_context(locale="fr-FR", accept_downloads=True, **options)  # type: ignore[arg-type]
    page = context.new_page()

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return page


@pytest.fixture
def anonymous(browser: Browser, dialogs: list[str]) -> Iterator[Page]:
    page = _page(browser, dialogs)
    yield page
    page.context.close()


def _login(page: Page, desk: Desk) -> Page:
    page.goto(desk.base + "/login")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(desk.base + "/")
    return page


@pytest.fixture
def page(anonymous: Page, desk: Desk) -> Page:
    return _login(anonymous, desk)


@pytest.fixture
def phone(browser: Browser, dialogs: list[str], desk: Desk) -> Iterator[Page]:
    page = _page(browser, dialogs, viewport={"width": 375, "height": 812}, is_mobile=True)
    yield _login(page, desk)
    page.context.close()


def _notice(page: Page, desk: Desk, key: str) -> None:
    page.goto(f"{desk.base}/notices/{desk.seeded.notices[key]}")


def test_login_opens_the_queue(page: Page) -> None:
    assert page.locator("table.queue tbody tr").count() == 8


def test_queue_shows_its_result_count(page: Page) -> None:
    page.fill("input[name=departement]", "62")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**departement=62**")
    assert page.inner_text("#result-count") == "1 avis"


def test_filter_by_departement(page: Page) -> None:
    page.fill("input[name=departement]", "62")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**departement=62**")
    assert page.locator("a.notice-link").all_inner_texts() == [
        "FOURNITURE, LIVRAISON ET INSTALLATION DE CAMERAS DE VIDEOPROTECTION ET ENREGISTREURS NUMERIQUES"
    ]


def test_search_reaches_document_text(page: Page) -> None:
    page.fill("input[name=q]", "tranquillité publique")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**q=**")
    assert page.locator("a.notice-link").count() == 1 and "Collonges" in page.inner_text(
        "table.queue"
    )


def test_search_finds_french_variants(page: Page, desk: Desk) -> None:
    page.goto(desk.base + "/?q=caméra")  # the notices say "CAMERAS"
    assert "CAMERAS DE VIDEOPROTECTION" in page.inner_text("table.queue")


def test_open_notice_shows_the_matched_document_page(page: Page, desk: Desk) -> None:
    _notice(page, desk, "20-102325")
    page.click("#hits a.page-link")
    page.wait_for_url("**/documents/**/pages/2**")
    assert "Cahier des Clauses Techniques" in page.inner_text("div.text")


def test_verdict_appears_in_the_trail(page: Page, desk: Desk) -> None:
    _notice(page, desk, "20-102325")
    page.select_option("#verdict-select", "not_relevant")
    page.select_option("select[name=reason_rule]", "big_data.donnees")
    page.fill("textarea[name=note]", "CCTP d'un autre marché, rattaché par erreur")
    page.click(".verdict-form button[type=submit]")
    page.wait_for_selector(".flash.ok")
    assert "CCTP d'un autre marché, rattaché par erreur" in page.inner_text("ol.trail")


def test_refused_verdict_keeps_the_draft_beside_the_reason(page: Page, desk: Desk) -> None:
    _notice(page, desk, "20-102325")
    page.select_option("#verdict-select", "not_relevant")
    page.fill("textarea[name=public_note]", "brouillon à garder")
    page.click(".verdict-form button[type=submit]")  # no rule, no note: refused
    page.wait_for_selector("#verdict-error")
    kept = (page.input_value("#verdict-select"), page.input_value("textarea[name=public_note]"))
    assert kept == ("not_relevant", "brouillon à garder")


def test_export_downloads_the_filtered_view(page: Page, desk: Desk) -> None:
    with session_scope(desk.url) as s:
        add_verdict(s, desk.seeded.notices["20-102325"], "follow_up")
    page.goto(desk.base + "/?status=follow_up")
    with page.expect_download() as info:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))
    assert [(r["verdict"], "Collonges" in r["title"]) for r in rows] == [("follow_up", True)]


def test_bulk_verdict_for_ticked_notices(page: Page) -> None:
    boxes = page.locator("#queue-table input[type=checkbox]")
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.select_option("#bulk-verdict", "relevant")
    page.click("#bulk button[type=submit]")
    page.wait_for_selector(".flash.ok")
    assert page.locator("#queue-table .st-relevant").count() == 2


def test_keyboard_opens_the_selected_notice(page: Page) -> None:
    first = page.locator("a.notice-link").first.inner_text()
    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url("**/notices/**")
    assert page.inner_text("#notice-title") == first


def test_keyboard_goes_to_the_next_notice_of_the_queue(page: Page) -> None:
    second = page.locator("a.notice-link").nth(1).inner_text()
    page.locator("a.notice-link").first.click()
    page.wait_for_url("**/notices/**")
    page.keyboard.press("j")
    page.wait_for_function("document.querySelector('#notice-title').innerText !== ''")
    page.wait_for_selector("#prev-notice")
    assert page.inner_text("#notice-title") == second


def test_shortcuts_are_listed_on_the_page(page: Page) -> None:
    assert "j avis suivant" in page.inner_text("#shortcuts")


def test_hits_mark_exactly_the_matched_term(page: Page, desk: Desk) -> None:
    title = "FOURNITURE ET INSTALLATION DE CAMERAS DE VIDEOPROTECTION SUR LA VOIE PUBLIQUE"
    item = notice_item(source="boamp", source_id="HL-1", title=title)
    with session_scope(desk.url) as s:
        nid = store(s, item, default_ruleset().evaluate(notice_text_fields(title=title))).id
    page.goto(f"{desk.base}/notices/{nid}")
    assert sorted(page.locator("#hits mark").all_inner_texts()) == ["CAMERAS", "VIDEOPROTECTION"]


def test_hostile_notice_is_inert(page: Page, desk: Desk, dialogs: list[str]) -> None:
    page.goto(f"{desk.base}/notices/{desk.seeded.hostile_id}")
    page.wait_for_load_state("load")  # onerror/onload handlers would have fired by now
    title = page.inner_text("#notice-title")
    assert dialogs == [] and title.startswith('<script>alert("xss-title")</script><img')


def test_hostile_notice_adds_no_element(page: Page, desk: Desk) -> None:
    page.goto(f"{desk.base}/notices/{desk.seeded.hostile_id}")
    assert page.locator("main script, main img, main svg, main iframe").count() == 0


def test_form_without_csrf_token_is_refused(page: Page, desk: Desk) -> None:
    _notice(page, desk, "20-102325")
    page.evaluate("document.querySelector('.verdict-form input[name=csrf_token]').remove()")
    page.select_option("#verdict-select", "relevant")
    page.click(".verdict-form button[type=submit]")
    page.wait_for_load_state()
    assert "Formulaire expiré ou invalide" in page.inner_text("main")


def _read_link(desk: Desk) -> str:
    with session_scope(desk.url) as s:
        group = add_group(s, "lyon", ["a@example.org"], departements=["69"])
        return f"{desk.base}/p/{read_link_token('test-secret', current_read_link(s, group.id))}"


def test_read_only_link_opens_without_login(anonymous: Page, desk: Desk) -> None:
    anonymous.goto(f"{_read_link(desk)}/notices/{desk.seeded.notices['20-102325']}")
    assert "Collonges" in anonymous.inner_text("#notice-title") and "/login" not in anonymous.url


def test_read_only_link_refused_once_revoked(anonymous: Page, desk: Desk) -> None:
    link = _read_link(desk)
    with session_scope(desk.url) as s:
        revoke_read_links(s, 1)
    answer = anonymous.goto(f"{link}/notices/{desk.seeded.notices['20-102325']}")
    assert answer is not None and answer.status == 403


def _fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / name), full_page=True)


def test_phone_queue_fits_375_pixels(phone: Page) -> None:
    _shot(phone, "phone-queue.png")
    assert _fits(phone) and phone.locator("header.top nav a").first.is_visible()


def test_phone_menu_shows_every_link_whole(phone: Page) -> None:
    right_edges = phone.evaluate(
        "[...document.querySelectorAll('header.top nav a')]"
        ".map(a => a.getBoundingClientRect().right)"
    )
    assert right_edges and max(right_edges) <= phone.viewport_size["width"]


def test_phone_notice_hits_fit_and_stay_labelled(phone: Page, desk: Desk) -> None:
    _notice(phone, desk, "20-102325")
    _shot(phone, "phone-notice.png")
    label = phone.evaluate(
        "getComputedStyle(document.querySelector('#hits td.snippet'), '::before').content"
    )
    assert _fits(phone) and "Extrait" in label


def test_a_right_to_left_override_in_a_title_is_not_rendered(page: Page, desk: Desk) -> None:
    """ "…gnp.exe" behind U+202E displays as "…exe.png" when rendered raw; the desk shows the
    title in reading order, in the queue and on the notice page."""
    from sqlalchemy import update

    from db.models import Notice

    notice_id = desk.seeded.notices["20-102325"]
    title = "Vidéoprotection \u202egnp.exe\u202c \u2066lot\u2069 1\u200b"
    with session_scope(desk.url) as s:
        s.execute(update(Notice).where(Notice.id == notice_id).values(title=title))
    page.goto(desk.base + "/")
    assert "Vidéoprotection gnp.exe lot 1" in page.locator("a.notice-link").all_inner_texts()
    page.goto(f"{desk.base}/notices/{notice_id}")
    assert "Vidéoprotection gnp.exe lot 1" in page.inner_text("h1")
    assert "\u202e" not in page.content()


def test_a_nul_in_the_search_box_is_refused_in_one_line(page: Page, desk: Desk) -> None:
    answer = page.goto(desk.base + "/?q=vid%00eo")
    assert answer is not None and answer.status == 400
    assert "U+0000" in page.inner_text("main")
