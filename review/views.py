"""Routes of the analysts' desk. Every route but login, the language toggle and static files
requires a logged-in active user; every POST carries a CSRF token (Flask-WTF CSRFProtect)."""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from sqlalchemy.orm import Session

from db.models.documents import Document
from db.models.notices import Notice
from db.models.review import User
from db.notice_list import (
    NoticeFilters,
    decode_cursor,
    filter_choices,
    neighbours,
    notice_count,
    notice_page,
)
from db.opinions import opinions_for
from db.prices import price_lines_for_notice
from db.rule_feedback import rule_feedback
from review import exports, i18n
from review.auth import LoginRateLimiter, authenticate
from review.db import read, write
from review.guards import optional_id, small_int
from review.public import flag_snippets
from review.queries import document_page, head_reviews, notice_detail
from review.queue import filter_args, filters_from_args
from review.render import highlight
from review.verdicts import ReviewConflict, VerdictError, record_verdict, review_trail
from vocabulary.errors import FilterError
from vocabulary.terms import VERDICTS

__all__ = ["bp"]

log = logging.getLogger(__name__)
bp = Blueprint("review", __name__)
PUBLIC_ENDPOINTS = {"review.login", "review.set_language", "static"}
#: rules, and notices found by hand, listed on the rules page
RULES_PAGE_LIMIT = 200


def _local_target(target: str | None) -> str:
    """Only same-site paths are followed after login or a language switch."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("review.queue")


@bp.before_app_request
def _require_login() -> Any:
    if request.endpoint in PUBLIC_ENDPOINTS or g.get("user") is not None:
        return None
    if request.blueprint == "public":  # read-only links and unsubscribing: no account
        return None
    if request.method == "GET":
        return redirect(url_for("review.login", next=request.full_path.rstrip("?")))
    abort(401)


@bp.get("/lang/<code>")
def set_language(code: str) -> Any:
    if code in i18n.LANGUAGES:
        session["lang"] = code
    return redirect(_local_target(request.args.get("next")))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("login.html", next=request.args.get("next", ""))
    limiter: LoginRateLimiter = current_app.extensions["veilleur_limiter"]
    ip = request.remote_addr or "?"
    username = request.form.get("username", "")[:100]
    password = request.form.get("password", "")[:1000]
    if limiter.blocked(ip, username):
        log.warning("login_limited ip=%s user=%r", ip, username)
        return render_template("login.html", error=i18n.translate("login.limited")), 429

    def check(s: Session) -> tuple[int, str] | None:
        user = authenticate(s, username, password)
        return (user.id, user.password_hash[-16:]) if user else None

    found = write(check)
    if found is None:
        limiter.failed(ip, username)
        log.info("login_failed ip=%s user=%r", ip, username)
        return render_template("login.html", error=i18n.translate("login.failed")), 401
    limiter.succeeded(ip, username)
    lang = session.get("lang")
    session.clear()  # no session fixation: a fresh session after login
    session.permanent = True
    session["uid"], session["pw"] = found
    if lang:
        session["lang"] = lang
    log.info("login_ok ip=%s user=%r", ip, username)
    return redirect(_local_target(request.form.get("next")))


@bp.post("/logout")
def logout() -> Any:
    session.clear()
    return redirect(url_for("review.login"))


def _requested_filters(s: Session) -> NoticeFilters:
    """The query string's filters, a source among those stored; FilterError otherwise."""
    filters = filters_from_args(request.args)
    filters.require_known_source(_cached_choices(s)["sources"])
    return filters


def _refused(exc: FilterError) -> tuple[str, int]:
    log.info("filter_refused error=%r", str(exc))
    return render_template("error.html", message=str(exc)), 400


@bp.get("/")
def queue() -> Any:
    cursor = request.args.get("after")
    if cursor and decode_cursor(cursor) is None:
        abort(404)  # not a cursor this list wrote (or an id no notice can have)
    with read() as s:
        try:
            filters = _requested_filters(s)
        except FilterError as exc:
            return _refused(exc)
        page = notice_page(s, filters, cursor)
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
        cursor=cursor,
    )


_CHOICES: dict[str, Any] = {}


def _cached_choices(s: Session) -> dict[str, list[str]]:
    """Drop-down values, recomputed at most once a minute (they change with crawls only)."""
    now = time.monotonic()
    key = current_app.config["DATABASE_URL"]
    hit = _CHOICES.get(key)
    if hit is None or now - hit[0] > 60:
        hit = (now, filter_choices(s))
        _CHOICES[key] = hit
    return hit[1]


def _notice_context(s: Session, notice_id: int) -> dict[str, Any]:
    detail = notice_detail(s, notice_id)
    if detail is None:
        abort(404)
    trail = review_trail(s, notice_id)
    # the queue's filters travel with the notice links: previous/next walk the same list
    try:
        queue_filters = filters_from_args(request.args)
    except FilterError:
        queue_filters = NoticeFilters()
    before, after = neighbours(s, queue_filters, notice_id)
    return {
        "d": detail,
        "n": detail.notice,
        "trail": trail,
        "current_public_note": trail[0].public_note if trail else "",
        "snippets": flag_snippets(detail.flags),
        "statuses": VERDICTS,
        "prices": price_lines_for_notice(s, notice_id),
        "queue_args": filter_args(queue_filters),
        "previous_id": before,
        "next_id": after,
    }


@bp.get("/notices/<int:notice_id>")
def notice(notice_id: int) -> Any:
    with read() as s:
        ctx = _notice_context(s, notice_id)
    return render_template("notice.html", **ctx)


_DRAFT_FIELDS = ("verdict", "note", "reason_rule", "public_note")


@bp.post("/notices/<int:notice_id>/verdict")
def verdict(notice_id: int) -> Any:
    form = request.form
    seen = optional_id(form.get("seen_review_id"))
    user: User = g.user
    with read() as s:
        if s.get(Notice, notice_id) is None:
            abort(404)

    def save(s: Session) -> int:
        review = record_verdict(
            s,
            notice_id,
            user.id,
            form.get("verdict", ""),
            seen,
            note=form.get("note", ""),
            reason_rule=form.get("reason_rule") or None,
            public_note=form.get("public_note", ""),
        )
        return review.id

    draft = {k: form.get(k, "") for k in _DRAFT_FIELDS}
    try:
        review_id = write(save)
    except VerdictError as exc:
        # the analyst's choice and notes stay in the form, the reason beside it
        log.info("verdict_refused notice=%d user=%s error=%s", notice_id, user.username, exc)
        with read() as s:
            ctx = _notice_context(s, notice_id)
        error = i18n.translate(str(exc))
        return render_template("notice.html", verdict_error=error, draft=draft, **ctx), 422
    except ReviewConflict as exc:
        log.info("verdict_conflict notice=%d user=%s seen=%s", notice_id, user.username, seen)
        with read() as s:
            ctx = _notice_context(s, notice_id)
        return render_template("notice.html", conflict=exc.current, draft=draft, **ctx), 409
    log.info("verdict_saved notice=%d review=%d user=%s", notice_id, review_id, user.username)
    flash(i18n.translate("verdict.saved"), "ok")
    args = filter_args(_queue_filters())
    target = url_for("review.notice", notice_id=notice_id) + (f"?{urlencode(args)}" if args else "")
    return redirect(target + "#trail")


def _queue_filters() -> NoticeFilters:
    try:
        return filters_from_args(request.args)
    except FilterError:
        return NoticeFilters()


@bp.get("/documents/<int:document_id>/pages/<int:page_number>")
def page(document_id: int, page_number: int) -> Any:
    with read() as s:
        found = document_page(s, document_id, page_number)
        if found is None:
            abort(404)
        doc, pages = found
        s.expunge_all()
    terms = [t for t in request.args.getlist("t") if t][:10]
    rendered = [(p.member, highlight(p.text, terms)) for p in pages]
    return render_template(
        "page.html",
        doc=doc,
        pages=rendered,
        page_number=page_number,
        notice_id=request.args.get("notice", type=small_int),
    )


@bp.get("/documents/<int:document_id>/download")
def download(document_id: int) -> Any:
    with read() as s:
        doc = s.get(Document, document_id)
        if doc is None or not doc.storage_path:
            abort(404)
        storage_path, sha = doc.storage_path, doc.sha256
    root = Path(current_app.config["DOCUMENTS_DIR"]).resolve()
    path = (root / storage_path).resolve()
    if not path.is_file():
        # rows stored before paths were kept relative to the documents folder carried it as a
        # prefix ("var/documents/ab/ab…"); the crawler's layout is content-addressed
        path = (root / sha[:2] / sha).resolve()
    # the path comes from the database, never from the request; still refuse escapes
    if not path.is_relative_to(root) or not path.is_file():
        log.warning("download_refused document=%d", document_id)
        abort(404)
    response = send_file(
        path,
        mimetype="application/octet-stream",
        as_attachment=True,
        download_name=f"document-{sha[:16]}{path.suffix[:10]}",
        max_age=0,
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.get("/rules")
def rules() -> Any:
    with read() as s:
        report = rule_feedback(s, limit=RULES_PAGE_LIMIT)
    return render_template("rules.html", report=report)


@bp.get("/export.<fmt>")
def export(fmt: str) -> Any:
    if fmt not in ("csv", "json", "ocds"):
        abort(404)
    with read() as s:
        try:
            filters = _requested_filters(s)
        except FilterError as exc:
            return _refused(exc)
    maker = current_app.extensions["veilleur_sessionmaker"]
    if fmt == "ocds":
        try:
            return exports.ocds_stream(filters, maker, request.url)
        except FilterError as exc:
            return _refused(exc)
    return exports.stream(fmt, filters, maker)
