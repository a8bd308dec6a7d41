"""Triage speed: one verdict for several notices ticked in the queue.

The queue's form posts the ticked notice ids, each with the id of the latest review the queue
showed for it (``seen_<id>``), and one verdict, rule, note and public note. Every notice goes
through :func:`review.verdicts.record_verdict` — the same rules and trail as the notice page —
in one transaction: if one is refused (incomplete form, a rule that did not fire on it, a
colleague's verdict meanwhile), nothing is saved and the queue says which and why, with the
ticks and the draft kept.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from db.models.review import User
from db.notice_list import notice_count, notice_page
from db.opinions import opinions_for
from review import i18n
from review.db import read, write
from review.guards import optional_id
from review.queries import head_reviews
from review.queue import filter_args, filters_from_args
from review.verdicts import ReviewConflict, VerdictError, record_verdict
from review.views import _cached_choices, _refused, bp
from vocabulary.errors import FilterError
from vocabulary.terms import VERDICTS

__all__ = ["bulk_verdict"]

log = logging.getLogger(__name__)
#: at most this many notices per bulk verdict (a page of the queue)
BULK_LIMIT = 200


def _query() -> str:
    """The queue's own query string (its filters), to go back to the same view."""
    raw = request.query_string.decode("ascii", "replace")
    return f"?{raw}" if raw else ""


class _Refused(Exception):
    def __init__(self, problems: dict[int, str]) -> None:
        super().__init__("bulk verdict refused")
        self.problems = problems


@bp.post("/verdicts")
def bulk_verdict() -> Any:
    form = request.form
    ids = [i for i in map(optional_id, form.getlist("notice")) if i is not None][:BULK_LIMIT]
    draft = {k: form.get(k, "") for k in ("verdict", "note", "reason_rule", "public_note")}
    user: User = g.user
    if not ids:
        flash(i18n.translate("bulk.none"), "error")
        return redirect(url_for("review.queue") + _query())

    def seen(notice_id: int) -> int | None:
        return optional_id(form.get(f"seen_{notice_id}"))

    def save(s: Session) -> int:
        problems: dict[int, str] = {}
        for notice_id in ids:
            try:
                with s.begin_nested():
                    record_verdict(
                        s, notice_id, user.id, draft["verdict"], seen(notice_id),
                        note=draft["note"], reason_rule=draft["reason_rule"] or None,
                        public_note=draft["public_note"],
                    )  # fmt: skip
            except VerdictError as exc:
                problems[notice_id] = i18n.translate(str(exc))
            except ReviewConflict:
                problems[notice_id] = i18n.translate("bulk.conflict")
        if problems:
            raise _Refused(problems)  # rolls the whole transaction back
        return len(ids)

    try:
        saved = write(save)
    except _Refused as refused:
        log.info("bulk_verdict_refused user=%s notices=%d", user.username, len(refused.problems))
        return _queue_again(ids, draft, refused.problems)
    log.info(
        "bulk_verdict_saved user=%s verdict=%s notices=%d", user.username, draft["verdict"], saved
    )
    flash(i18n.translate("bulk.saved").format(n=saved), "ok")
    return redirect(url_for("review.queue") + _query())


def _queue_again(ids: list[int], draft: dict[str, str], problems: dict[int, str]) -> Any:
    with read() as s:
        try:
            filters = filters_from_args(request.args)
        except FilterError as exc:
            return _refused(exc)
        page = notice_page(s, filters, request.args.get("after"))
        count = notice_count(s, filters)
        heads = head_reviews(s, [r["id"] for r in page.rows])
        choices = _cached_choices(s)
        opinions = opinions_for(s, (r["id"] for r in page.rows if not r["flagged"]))
    return render_template(
        "queue.html",
        page=page,
        count=count,
        heads=heads,
        opinions=opinions,
        filters=filters,
        args=filter_args(filters),
        choices=choices,
        statuses=VERDICTS,
        cursor=request.args.get("after"),
        ticked=set(ids),
        draft=draft,
        problems=problems,
    ), 422
