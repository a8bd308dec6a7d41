"""The desk in real headless Chromium (Debian's /usr/bin/chromium driven by Playwright) against
the app served by waitress on a free loopback port. One browser for the module; the tests run
in order on one page, like an analyst's session: log in, filter, search, open, decide, export.
"""

from __future__ import annotations

import csv
import io
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Dialog, Page

import review.auth
from tests.review.conftest import PASSWORD, Seeded, make_app

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
#: messages of every alert/confirm/prompt the page opened (an injection that ran would add one)
DIALOGS: list[str] = []
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip


@pytest.fixture(autouse=True)
def cheap_argon2() -> None:
    """Overrides the package fixture: the module-scoped server keeps the hasher set below."""


@pytest.fixture(scope="module")
def server(
    _template_db: tuple[Path, Seeded], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Seeded]]:
    from waitress.server import create_server

    tmp = tmp_path_factory.mktemp("browser")
    shutil.copyfile(_template_db[0], tmp / "veilleur.sqlite")
    saved = review.auth._hasher
    review.auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    app = make_app(f"sqlite:///{tmp / 'veilleur.sqlite'}", tmp)
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
        pg = context.new_page()
        DIALOGS.clear()

        def on_dialog(dialog: Dialog) -> None:
            DIALOGS.append(dialog.message)
            dialog.dismiss()

        pg.on("dialog", on_dialog)
        yield pg
        browser.close()


def test_login_opens_the_queue(page: Page, server: tuple[str, Seeded]) -> None:
    base, _ = server
    page.goto(base + "/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(base + "/")
    assert page.locator("table.queue tbody tr").count() == 8


def test_filter_by_departement(page: Page, server: tuple[str, Seeded]) -> None:
    page.fill("input[name=departement]", "62")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**departement=62**")
    assert page.locator("a.notice-link").all_inner_texts() == [
        "FOURNITURE, LIVRAISON ET INSTALLATION DE CAMERAS DE VIDEOPROTECTION ET ENREGISTREURS NUMERIQUES"
    ]


def test_search_reaches_document_text(page: Page, server: tuple[str, Seeded]) -> None:
    page.click("text=Réinitialiser")
    page.fill("input[name=q]", "tranquillité publique")
    page.click("#filters button[type=submit]")
    page.wait_for_url("**q=**")
    assert page.locator("a.notice-link").count() == 1 and "Collonges" in page.inner_text(
        "table.queue"
    )


def test_open_notice_shows_the_matched_document_page(
    page: Page, server: tuple[str, Seeded]
) -> None:
    page.click("a.notice-link")
    page.wait_for_selector("#hits")
    page.click("#hits a.page-link")
    page.wait_for_url("**/documents/**/pages/2**")
    assert "Cahier des Clauses Techniques" in page.inner_text("div.text")


def test_verdict_appears_in_the_trail(page: Page, server: tuple[str, Seeded]) -> None:
    page.click("text=Retour à l'avis")
    page.select_option("#verdict-select", "not_relevant")
    page.select_option("select[name=reason_rule]", "big_data.donnees")
    page.fill("textarea[name=note]", "CCTP d'un autre marché, rattaché par erreur")
    page.click(".verdict-form button[type=submit]")
    page.wait_for_selector(".flash.ok")
    assert "CCTP d'un autre marché, rattaché par erreur" in page.inner_text("ol.trail")


def test_export_downloads_the_filtered_view(page: Page, server: tuple[str, Seeded]) -> None:
    base, _ = server
    page.goto(base + "/?status=not_relevant")
    with page.expect_download() as info:
        page.click("#export-csv")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text("utf-8"))))
    assert [(r["verdict"], "Collonges" in r["title"]) for r in rows] == [("not_relevant", True)]


def test_hostile_notice_is_inert(page: Page, server: tuple[str, Seeded]) -> None:
    base, seeded = server
    page.goto(f"{base}/notices/{seeded.hostile_id}")
    page.wait_for_load_state("load")  # onerror/onload handlers would have fired by now
    title = page.inner_text("#notice-title")
    assert DIALOGS == [] and title.startswith('<script>alert("xss-title")</script><img')


def test_hostile_notice_adds_no_element(page: Page, server: tuple[str, Seeded]) -> None:
    assert page.locator("main script, main img, main svg, main iframe").count() == 0


def test_form_without_csrf_token_is_refused(page: Page, server: tuple[str, Seeded]) -> None:
    page.evaluate("document.querySelector('.verdict-form input[name=csrf_token]').remove()")
    page.select_option("#verdict-select", "relevant")
    page.click(".verdict-form button[type=submit]")
    page.wait_for_load_state()
    assert "Formulaire expiré ou invalide" in page.inner_text("main")
