"""The notice page of a prefectoral act shows what it authorises (read from the real recueil)."""

from __future__ import annotations

from flask.testing import FlaskClient

from crawler.pipelines.acts import act_notice
from db.session import session_scope
from extract.raa import split_bundle
from extract.rules import default_ruleset
from tests.conftest import FIXTURES
from tests.factories import store
from vocabulary.decision import TextField
from vocabulary.documents import PageText
from vocabulary.items import DocumentRef, NoticeItem

BUNDLE = FIXTURES / "prefectures" / "var" / "bundles" / "02db690e8470fb80.txt"


def test_notice_page_shows_the_details_of_a_drone_authorisation(
    alice: FlaskClient, url: str
) -> None:
    ref = DocumentRef(url="https://www.var.gouv.fr/r.pdf", sha256="0" * 64, status="ok")
    ref.pages = [PageText(1, BUNDLE.read_text(encoding="utf-8"))]
    bundle = NoticeItem("raa_83", "raa-x", "authorisation", "RAA N°192", ref.url, documents=[ref])
    act = act_notice(bundle, ref, split_bundle(ref.pages)[0], {"prefecture": "Préfecture du Var"})
    decision = default_ruleset().evaluate([TextField("title", act.title)])
    with session_scope(url) as s:
        nid = store(s, act, decision).id
    page = alice.get(f"/notices/{nid}").get_data(as_text=True)
    assert "arrêté préfectoral" in page  # the kind's label
    assert "Matériel : caméra sur un drone de type DJI Mavic 3T" in page
    assert "Période : délivrée pour la durée du rassemblement" in page
    assert "Base légale : CSI L242-4" in page
