"""The map, the timeline and a vendor's page in real headless Chromium, on SQLite and on
PostgreSQL: drawn without a CSP violation or a script, a département opens the queue filtered on
it, the vendor page lists its buyer, and a watch is added through the form."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import ConsoleMessage, Page

import review.auth
from db.picture import refresh_picture
from db.session import get_engine, session_scope
from tests.conftest import pg_database
from tests.factories import add_group, decision, lyon_contract, store
from tests.review.conftest import PASSWORD, Seeded, _seed, make_app
from tests.review.test_browser import CHROMIUM, CHROMIUM_ARGS
from vocabulary.decision import Hit

pytestmark = pytest.mark.browser

VIDEO = Hit("videosurveillance.videoprotection", "1", "videosurveillance", "title", "vidéo", 2.0)
#: console messages of the page (a CSP violation is reported there)
CONSOLE: list[str] = []


@pytest.fixture(autouse=True)
def cheap_argon2() -> None:
    """Overrides the package fixture: the module-scoped server keeps the hasher set below."""


def _picture(url: str) -> None:
    with session_scope(url) as s:
        store(s, lyon_contract(), decision(VIDEO))
        add_group(s, "lyon", ["veille@example.org"], departements=["69"])
        refresh_picture(s)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest,
    _template_db: tuple[Path, Seeded],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    from waitress.server import create_server

    tmp = tmp_path_factory.mktemp("picture-browser")
    saved = review.auth._hasher
    review.auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    with ExitStack() as stack:
        if request.param == "sqlite":
            shutil.copyfile(_template_db[0], tmp / "veilleur.sqlite")
            url = f"sqlite:///{tmp / 'veilleur.sqlite'}"
        else:
            url = stack.enter_context(pg_database("veilleur_pb"))
            _seed(url)
        _picture(url)
        srv = create_server(make_app(url, tmp), host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{srv.effective_port}"
        finally:
            srv.close()
            thread.join(10)
            get_engine(url).dispose()
            review.auth._hasher = saved


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Page]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        pg = browser.new_context(locale="fr-FR").new_page()
        CONSOLE.clear()

        def on_console(message: ConsoleMessage) -> None:
            CONSOLE.append(message.text)

        pg.on("console", on_console)
        pg.goto(server + "/login")
        pg.fill("input[name=username]", "alice")
        pg.fill("input[name=password]", PASSWORD)
        pg.click("form button[type=submit]")
        pg.wait_for_url(server + "/")
        yield pg
        browser.close()


def test_the_map_is_drawn_without_any_csp_violation(page: Page, server: str) -> None:
    page.goto(server + "/map")
    page.wait_for_selector("svg.map")
    box = page.locator("svg.map").bounding_box()
    assert box and box["width"] > 500
    assert page.locator("svg.map path.dep").count() == 101
    assert not [m for m in CONSOLE if "Content Security Policy" in m]


def test_the_rhone_is_coloured_and_the_empty_departements_are_not(page: Page, server: str) -> None:
    page.goto(server + "/map")
    rhone = page.locator("#dep-69 path").get_attribute("class") or ""
    fill = page.eval_on_selector("#dep-69 path", "el => getComputedStyle(el).fill")
    empty = page.eval_on_selector("path.dep.q0", "el => getComputedStyle(el).fill")
    assert "q0" not in rhone and fill != empty == "rgb(230, 233, 237)"


def test_clicking_a_departement_opens_the_queue_filtered_on_it(page: Page, server: str) -> None:
    page.goto(server + "/map")
    page.click("#dep-69")
    page.wait_for_url("**departement=69**")
    assert page.locator("input[name=departement]").input_value() == "69"


def test_the_timeline_table_shows_the_contract_month(page: Page, server: str) -> None:
    page.goto(server + "/map?from=2018-01&to=2019-12")
    assert page.locator("svg.chart rect.bar").count() >= 1
    assert "2018" in page.inner_text("#timeline-table")


def test_the_vendor_page_lists_its_buyer_and_takes_a_watch(page: Page, server: str) -> None:
    page.goto(server + "/parties?q=serfim")
    page.click("#party-results a")
    page.wait_for_selector("#party-name")
    assert "431903954" in page.inner_text("#party-name")
    assert "LYON" in page.inner_text("#party-counterparts").upper()
    page.click("#watch-form button")
    page.wait_for_selector(".flash.ok")
    assert "lyon ✓" in page.inner_text("#watch-form")
