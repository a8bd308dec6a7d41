"""The desk's access-request pages: draft from a notice, the list by state, one request with its
letter, deadlines, actions and received files.

Received files are stored here and read by a processor the shell hands to :func:`register`
(``REQUEST_DOCUMENT_PROCESSOR``: reading needs ``extract``, which the desk may not import) on
one background thread; the page refreshes until they are read. The upload route takes its own
size limit (``VEILLEUR_UPLOAD_MAX_MB``) and checks the CSRF token itself once that limit is set:
the app's global 1 MiB cap would refuse the body before the usual check could read the token.
"""

from __future__ import annotations

import csv
import io
import logging
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import ValidationError

from db.models.digest import Group
from db.models.notices import Notice
from db.notice_export import csv_cell
from db.received import attach_received, received_of
from db.request_list import CSV_COLUMNS, LIST_STATES, RequestFilters, list_requests, state_counts
from db.requests import (
    RequestConflict,
    RequestError,
    effective_state,
    events_of,
    get_request,
    requests_for_notice,
)
from letters.catalogue import offered
from letters.render import FORMATS, to_text
from review import i18n, request_actions
from review.db import read, write
from review.guards import optional_id
from review.request_flow import draft_request, letter_file, letter_of, store_upload
from vocabulary.deadlines import today_in_paris
from vocabulary.errors import FilterError
from vocabulary.requests import CADA_OPINIONS, OUTCOMES, SEND_MODES

__all__ = ["bp", "register"]

log = logging.getLogger(__name__)
bp = Blueprint("requests", __name__)
AGES = (30, 60, 90)
DEFAULT_UPLOAD_MB = 50


def register(app: Flask) -> None:
    """Add the pages to ``app``: blueprint, notice-page card, upload's own CSRF check."""
    app.register_blueprint(bp)
    app.extensions["csrf"].exempt(upload)
    processor = app.config.get("REQUEST_DOCUMENT_PROCESSOR")
    if processor is not None:
        app.extensions["veilleur_request_reader"] = ThreadPoolExecutor(1, "request-reader")


def _today() -> Any:
    return today_in_paris()


def _groups(s: Session) -> list[Group]:
    return list(s.scalars(select(Group).order_by(Group.name)))


@bp.app_context_processor
def _notice_requests() -> dict[str, Any]:
    """The notice page's "access request" card: its requests and the groups to choose from."""
    if request.endpoint not in ("review.notice", "review.verdict") or g.get("user") is None:
        return {}
    notice_id = (request.view_args or {}).get("notice_id")
    with read() as s:
        found = requests_for_notice(s, notice_id) if notice_id else []
        rows = [(r.id, effective_state(r, _today()), r.sent_on) for r in found]
        groups = [(x.id, x.name) for x in _groups(s)]
    return {"access_requests": rows, "request_groups": groups}


@bp.post("/notices/<int:notice_id>/requests")
def create(notice_id: int) -> Any:
    group_id = optional_id(request.form.get("group_id"))
    user_id = g.user.id

    def make(s: Session) -> int:
        if s.get(Notice, notice_id) is None:
            abort(404)
        return draft_request(s, notice_id, user_id=user_id, group_id=group_id).id

    try:
        request_id = write(make)
    except RequestError as exc:
        flash(i18n.translate(exc.key).format(**exc.params), "error")
        return redirect(url_for("review.notice", notice_id=notice_id))
    log.info("request_drafted request=%d notice=%d user=%s", request_id, notice_id, g.user.username)
    return redirect(url_for("requests.show", request_id=request_id))


def _filters() -> RequestFilters:
    try:
        return RequestFilters.from_args(request.args)
    except FilterError as exc:
        abort(Response(str(exc), 400, mimetype="text/plain"))


@bp.get("/requests")
def index() -> Any:
    filters = _filters()
    today = _today()
    with read() as s:
        rows = list_requests(s, filters, today)
        counts = state_counts(s, today)
        groups = [x.name for x in _groups(s)]
    return render_template(
        "requests.html",
        rows=rows,
        counts=counts,
        filters=filters,
        states=LIST_STATES,
        groups=groups,
        ages=AGES,
        today=today,
        args=filters.as_args(),
    )


@bp.get("/requests.csv")
def export() -> Response:
    filters = _filters()
    with read() as s:
        rows = list_requests(s, filters, _today())

    def lines() -> Iterator[str]:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(CSV_COLUMNS)
        for r in rows:
            writer.writerow([csv_cell(getattr(r, c)) for c in CSV_COLUMNS])
        yield buf.getvalue()

    return Response(
        lines(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=demandes.csv"},
    )


@bp.get("/requests/<int:request_id>")
def show(request_id: int) -> Any:
    today = _today()
    with read() as s:
        try:
            r = get_request(s, request_id)
        except RequestError:
            abort(404)
        notice = s.get(Notice, r.notice_id)
        letter = to_text(letter_of(s, request_id, "request", today))
        referral = None
        if r.refusal_on and today >= r.refusal_on and r.state != "draft":
            referral = to_text(letter_of(s, request_id, "referral", today))
        ctx = {
            "r": r,
            "n": notice,
            "state": effective_state(r, today),
            "today": today,
            "letter": letter,
            "referral": referral,
            "files": received_of(s, request_id),
            "events": events_of(s, request_id),
            "offered": offered(notice.kind, [str(c) for c in notice.categories or ()])
            if notice
            else [],
            "groups": [(x.id, x.name) for x in _groups(s)],
            "formats": FORMATS,
            "modes": SEND_MODES,
            "outcomes": OUTCOMES,
            "opinions": CADA_OPINIONS,
        }
        s.expunge_all()
    ctx["reading"] = any(f.status == "pending" for f in ctx["files"])
    return render_template("request.html", **ctx)


@bp.get("/requests/<int:request_id>/<any(letter, referral):kind>.<fmt>")
def download(request_id: int, kind: str, fmt: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    with read() as s:
        try:
            found = letter_file(s, request_id, kind, fmt, _today())
        except RequestError:
            abort(404)
    return Response(
        found.body,
        mimetype=found.media_type,
        headers={"Content-Disposition": f'attachment; filename="{found.name}"'},
    )


def _apply(request_id: int, action: Callable[[Session], list[str]]) -> Any:
    """Run one change; flash what happened; back to the request page."""
    try:
        warnings = write(action)
    except RequestConflict:
        flash(i18n.translate("request.conflict"), "error")
    except RequestError as exc:
        flash(i18n.translate(exc.key).format(**exc.params), "error")
    else:
        flash(i18n.translate("request.saved"), "ok")
        for key in warnings:
            flash(i18n.translate(key), "error")
    return redirect(url_for("requests.show", request_id=request_id))


@bp.post(
    "/requests/<int:request_id>/<any(edit, sent, answer, referred, opinion, close, reopen):what>"
)
def act(request_id: int, what: str) -> Any:
    action = request_actions.action(what, request_id, request.form, g.user.id, _today())
    return _apply(request_id, action)


def _upload_limit() -> int:
    try:
        megabytes = int(os.environ.get("VEILLEUR_UPLOAD_MAX_MB", DEFAULT_UPLOAD_MB))
    except ValueError:
        megabytes = DEFAULT_UPLOAD_MB
    return megabytes * 1024 * 1024


@bp.post("/requests/<int:request_id>/files")
def upload(request_id: int) -> Any:
    request.max_content_length = _upload_limit()  # before anything reads the body
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        abort(400)
    files = [f for f in request.files.getlist("files") if f and f.filename]
    if not files:
        flash(i18n.translate("request.err.no_file"), "error")
        return redirect(url_for("requests.show", request_id=request_id))
    try:
        received_on = request_actions.day(request.form.get("received_on")) or _today()
    except RequestError as exc:
        flash(i18n.translate(exc.key), "error")
        return redirect(url_for("requests.show", request_id=request_id))
    root = Path(current_app.config["DOCUMENTS_DIR"])
    stored = [(f.filename or "document", *store_upload(root, f.read())) for f in files]
    sizes = {sha: (root / rel).stat().st_size for _, sha, rel in stored}
    user_id = g.user.id

    def attach(s: Session) -> list[str]:
        for name, sha, rel in stored:
            attach_received(
                s,
                request_id,
                sha256=sha,
                filename=name,
                storage_path=rel,
                size_bytes=sizes[sha],
                received_on=received_on,
                user_id=user_id,
            )
        return []

    response = _apply(request_id, attach)
    reader = current_app.extensions.get("veilleur_request_reader")
    processor = current_app.config.get("REQUEST_DOCUMENT_PROCESSOR")
    if reader is not None and processor is not None:
        reader.submit(processor)
    log.info("request_files request=%d files=%d user=%s", request_id, len(files), g.user.username)
    return response
