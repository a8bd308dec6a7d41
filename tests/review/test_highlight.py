"""The notice page marks exactly what matched: the term the rules engine recorded, whole
("CAMERAS", never "CAMERA" inside it), on every hit row."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from db.session import session_scope
from extract.rules import default_ruleset
from tests.factories import notice_item, store

TITLE = "FOURNITURE ET INSTALLATION DE CAMERAS DE VIDEOPROTECTION SUR LA VOIE PUBLIQUE"


def _marks(alice: FlaskClient, url: str) -> list[str]:
    item = notice_item(source="boamp", source_id="HL-1", title=TITLE, cpv_codes=["32323500"])
    with session_scope(url) as s:
        nid = store(s, item, default_ruleset().evaluate([*_fields(item)])).id
    page = alice.get(f"/notices/{nid}").get_data(as_text=True)
    hits = page[page.index('id="hits"') : page.index('id="verdict"')]
    return re.findall(r"<mark>(.*?)</mark>", hits)


def _fields(item):
    from extract.fields import notice_text_fields

    return notice_text_fields(title=item.title, cpv_codes=item.cpv_codes)


def test_every_hit_row_marks_its_term_whole(alice: FlaskClient, url: str) -> None:
    assert sorted(_marks(alice, url)) == ["32323500", "CAMERAS", "VIDEOPROTECTION"]
