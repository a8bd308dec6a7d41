"""Pages opened without an account, from a digest: a group's read-only view of a notice and
a recipient's unsubscribe page.

The read-only view (``/p/<token>/notices/<id>``) shows a notice the groups are shown, its hits
with the matched words, its documents and the story of the purchase, with the analysts'
verdict and public note — never their private notes, the trail, or any form. The token is a
group's read-only link (:mod:`db.read_links`); a revoked or forged one opens nothing (403).

Unsubscribing (``/unsubscribe/<token>``): GET shows what will happen and a button (link
scanners that prefetch a GET must not unsubscribe anyone); POST removes the address. The POST
carries no CSRF token on purpose: mail clients send RFC 8058 one-click requests
(``List-Unsubscribe=One-Click``) from outside the site; the signed token is the authority.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models.documents import NoticeDocument
from db.models.review import Review
from db.notice_list import shown_to_groups
from db.read_links import read_link_group, unsubscribe
from review import i18n
from review.db import read, write
from review.guards import small_int
from review.queries import document_page, notice_detail
from review.render import highlight, highlight_span, rule_terms

__all__ = ["bp", "flag_snippets"]

log = logging.getLogger(__name__)
bp = Blueprint("public", __name__)


def flag_snippets(flags: list[Any]) -> dict[int, Any]:
    """Each flag's snippet with exactly its matched term marked (flags stored before terms
    were recorded: the words guessed from the rule id)."""
    out = {}
    for f in flags:
        exact = highlight_span(f.snippet, f.snippet_start, f.snippet_end)
        out[f.id] = exact if exact is not None else highlight(f.snippet, rule_terms(f.rule_id))
    return out


def _refused() -> tuple[str, int]:
    log.info("read_link_refused path=%s", request.path)
    return render_template("error.html", message=i18n.translate("public.link_refused")), 403


def _group(s: Session, token: str) -> int | None:
    return read_link_group(s, current_app.config["SECRET_KEY"], token)


@bp.get("/p/<token>/notices/<int:notice_id>")
def read_notice(token: str, notice_id: int) -> Any:
    with read() as s:
        if _group(s, token) is None:
            return _refused()
        if notice_id not in shown_to_groups(s, [notice_id]):
            abort(404)
        detail = notice_detail(s, notice_id)
        if detail is None:
            abort(404)
        public_note = ""
        if detail.head is not None:
            review = s.get(Review, detail.head.review_id)
            public_note = review.public_note if review is not None else ""
        story_ids = [e.notice_id for e in detail.story if e.notice_id is not None]
        story_ids += [p["id"] for p in detail.procedure]
        openable = shown_to_groups(s, story_ids)
        page = render_template(
            "shared_notice.html",
            d=detail,
            n=detail.notice,
            token=token,
            public_note=public_note,
            openable=openable,
            snippets=flag_snippets(detail.flags),
        )
    return page


@bp.get("/p/<token>/documents/<int:document_id>/pages/<int:page_number>")
def read_page(token: str, document_id: int, page_number: int) -> Any:
    notice_id = request.args.get("notice", type=small_int)
    with read() as s:
        if _group(s, token) is None:
            return _refused()
        linked = s.scalar(
            select(NoticeDocument.notice_id).where(
                NoticeDocument.document_id == document_id, NoticeDocument.notice_id == notice_id
            )
        )
        if linked is None or linked not in shown_to_groups(s, [linked]):
            abort(404)
        found = document_page(s, document_id, page_number)
        if found is None:
            abort(404)
        doc, pages = found
        s.expunge_all()
    terms = [t for t in request.args.getlist("t") if t][:10]
    return render_template(
        "page.html",
        doc=doc,
        pages=[(p.member, highlight(p.text, terms)) for p in pages],
        page_number=page_number,
        notice_id=notice_id,
        token=token,
    )


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe_view(token: str) -> Any:
    key = current_app.config["SECRET_KEY"]
    if request.method == "GET":
        with read() as s:
            who = unsubscribe(s, key, token, apply=False)
        if who is None:
            return render_template("error.html", message=i18n.translate("unsub.refused")), 404
        return render_template("unsubscribe.html", who=who, token=token, done=False)
    done = write(lambda s: unsubscribe(s, key, token))
    if done is None:
        return render_template("error.html", message=i18n.translate("unsub.refused")), 404
    log.info("unsubscribed group=%s removed=%s", done.group, done.removed)
    return render_template("unsubscribe.html", who=done, token=token, done=True)
