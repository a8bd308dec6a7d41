"""The Flask application factory of the analysts' desk.

Configuration (environment, overridable by the ``config`` argument):

* ``DATABASE_URL`` — the database (default SQLite ``var/veilleur.sqlite``);
* ``VEILLEUR_SECRET_KEY`` — signs session cookies; when absent a random key is generated once
  and kept in ``var/secret_key`` (mode 0600) so sessions survive restarts;
* ``VEILLEUR_INSECURE_COOKIES=1`` — drop the cookies' Secure flag, for plain-http local use only;
* ``VEILLEUR_DOCUMENTS_DIR`` — where stored documents live (default ``var/documents``);
* ``VEILLEUR_PROXY_FIX=1`` — trust one reverse proxy's X-Forwarded-For/-Proto (behind nginx).
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
from typing import Any

from flask import Flask, Response, flash, g, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import OperationalError
from werkzeug.middleware.proxy_fix import ProxyFix

from db.fulltext import ensure_fulltext
from db.models.review import User
from db.secret_key import load_secret_key
from db.session import database_url as resolve_database_url
from db.session import get_engine, sessionmaker_for
from review import guards, i18n
from review.auth import LoginRateLimiter
from review.db import is_locked_error, read
from review.format import TEMPLATE_GLOBALS
from review.render import safe_url

__all__ = ["create_app", "load_secret_key"]

log = logging.getLogger(__name__)

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    return response


def _load_user() -> None:
    """Put the logged-in, still active user in ``g.user`` (a changed password or a disabled
    account ends existing sessions)."""
    g.user = None
    uid = session.get("uid")
    if uid is None:
        return
    with read() as s:
        user = s.get(User, uid)
        if user is None or not user.active or session.get("pw") != user.password_hash[-16:]:
            session.clear()
            return
        s.expunge(user)
    g.user = user


def create_app(database_url: str | None = None, config: dict[str, Any] | None = None) -> Flask:
    """Build the app for ``database_url`` (default ``DATABASE_URL``); ``config`` overrides."""
    app = Flask(__name__)
    guards.install(app)  # bounded <int:…> before any rule is added; NUL characters refused
    insecure = os.environ.get("VEILLEUR_INSECURE_COOKIES") == "1"
    app.config.update(
        DATABASE_URL=resolve_database_url(database_url),
        SESSION_COOKIE_NAME="veilleur_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not insecure,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=12 * 3600,
        DOCUMENTS_DIR=os.environ.get("VEILLEUR_DOCUMENTS_DIR", "var/documents"),
        MAX_CONTENT_LENGTH=1024 * 1024,
        LOGIN_RATE_LIMIT=(5, 30, 900.0),
        ENSURE_FULLTEXT=True,
    )
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_secret_key()
    if os.environ.get("VEILLEUR_PROXY_FIX") == "1":
        # the documented way to wrap the WSGI app (werkzeug ProxyFix docs); mypy sees a method
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)  # type: ignore[method-assign]

    url = app.config["DATABASE_URL"]
    app.extensions["veilleur_sessionmaker"] = sessionmaker_for(url)
    per_user, per_ip, window = app.config["LOGIN_RATE_LIMIT"]
    app.extensions["veilleur_limiter"] = LoginRateLimiter(per_user, per_ip, window)
    if app.config["ENSURE_FULLTEXT"]:
        with get_engine(url).begin() as conn:
            ensure_fulltext(conn)

    csrf = CSRFProtect(app)
    app.before_request(_load_user)  # before the blueprint's login check, which reads g.user
    from review import triage  # noqa: F401  (adds the bulk verdict route to the desk)
    from review.public import bp as public_bp
    from review.public import unsubscribe_view
    from review.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    from review.picture import bp as picture_bp

    app.register_blueprint(picture_bp)
    # RFC 8058 one-click unsubscribe POSTs come from mail clients: the signed token is the
    # authority there (see review/public.py)
    csrf.exempt(unsubscribe_view)
    from review.requests_views import register as register_requests

    register_requests(app)
    app.after_request(_security_headers)
    app.jinja_env.autoescape = True
    # globals (not context variables) so that imported macros see them too
    app.jinja_env.globals.update(safe_url=safe_url, _=i18n.translate, **TEMPLATE_GLOBALS)

    @app.context_processor
    def _i18n() -> dict[str, Any]:
        return {"lang": i18n.current_language()}

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError) -> tuple[str, int]:
        log.warning("csrf_refused path=%s reason=%s", request.path, exc.description)
        return render_template("error.html", message=i18n.translate("csrf.failed")), 400

    @app.errorhandler(404)
    def _not_found(_exc: Exception) -> tuple[str, int]:
        return render_template("error.html", message=i18n.translate("error.not_found")), 404

    @app.errorhandler(OperationalError)
    def _db_error(exc: OperationalError) -> Any:
        if not is_locked_error(exc):
            raise exc
        log.error("db_busy path=%s", request.path)
        if request.method == "POST" and request.referrer:
            flash(i18n.translate("error.busy"), "error")
            return redirect(url_for("review.queue"))
        return render_template("error.html", message=i18n.translate("error.busy")), 503

    return app
