"""Accounts, sessions, CSRF and the login rate limit, through the Flask test client."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from db.session import session_scope
from review.auth import LoginRateLimiter, authenticate, set_active, set_password
from tests.review.conftest import PASSWORD, Seeded, csrf_token, login, make_app


def test_queue_redirects_to_login_when_anonymous(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_notice_page_hidden_when_anonymous(client: FlaskClient, seeded: Seeded) -> None:
    response = client.get(f"/notices/{seeded.notices['20-100747']}")
    assert response.status_code == 302


def test_export_hidden_when_anonymous(client: FlaskClient) -> None:
    assert client.get("/export.json").status_code == 302


def test_login_with_right_password_opens_the_queue(client: FlaskClient) -> None:
    login(client)
    assert "Avis signalés" in client.get("/", headers={"Accept-Language": "fr"}).get_data(True)


def test_login_with_wrong_password_refused(client: FlaskClient) -> None:
    assert login(client, password="wrong password!").status_code == 401


def test_login_without_csrf_token_refused(client: FlaskClient) -> None:
    response = client.post("/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400


def test_verdict_without_csrf_token_refused(alice: FlaskClient, seeded: Seeded) -> None:
    response = alice.post(
        f"/notices/{seeded.notices['20-100747']}/verdict", data={"verdict": "relevant"}
    )
    assert response.status_code == 400


def test_logout_without_csrf_token_refused(alice: FlaskClient) -> None:
    assert alice.post("/logout").status_code == 400


def test_session_cookie_is_httponly_and_lax(client: FlaskClient) -> None:
    cookie = login(client).headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_secure_by_default(url: str, tmp_path: Path) -> None:
    app = make_app(url, tmp_path, SESSION_COOKIE_SECURE=True)
    with app.test_client() as c:
        cookie = login(c).headers["Set-Cookie"]
    assert "Secure" in cookie


def test_rate_limit_blocks_after_repeated_failures(client: FlaskClient) -> None:
    for _ in range(5):
        login(client, password="wrong password!")
    assert login(client, password=PASSWORD).status_code == 429


def test_rate_limit_is_per_username(client: FlaskClient) -> None:
    for _ in range(5):
        login(client, password="wrong password!")
    assert login(client, username="bob").status_code == 302


def test_limiter_forgets_after_window() -> None:
    limiter = LoginRateLimiter(per_user=1, per_ip=10, window_s=0.0)
    limiter.failed("1.2.3.4", "alice")
    assert not limiter.blocked("1.2.3.4", "alice")


def test_disabled_user_is_logged_out(alice: FlaskClient, url: str) -> None:
    with session_scope(url) as s:
        set_active(s, "alice", False)
    assert alice.get("/").status_code == 302


def test_password_change_ends_open_sessions(alice: FlaskClient, url: str) -> None:
    with session_scope(url) as s:
        set_password(s, "alice", "another long password")
    assert alice.get("/").status_code == 302


def test_disabled_user_cannot_log_in(client: FlaskClient, url: str) -> None:
    with session_scope(url) as s:
        set_active(s, "bob", False)
    assert login(client, username="bob").status_code == 401


def test_password_hash_is_argon2id(url: str) -> None:
    with session_scope(url) as s:
        user = authenticate(s, "alice", PASSWORD)
        assert user is not None and user.password_hash.startswith("$argon2id$")


def test_login_redirect_stays_on_site(client: FlaskClient) -> None:
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={
            "username": "alice",
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
    )
    assert response.headers["Location"] == "/"


def test_english_interface_from_accept_language(alice: FlaskClient) -> None:
    page = alice.get("/", headers={"Accept-Language": "en-GB,en;q=0.8"}).get_data(True)
    assert "Flagged notices" in page


def test_language_toggle_wins_over_browser(alice: FlaskClient) -> None:
    alice.get("/lang/en")
    page = alice.get("/", headers={"Accept-Language": "fr"}).get_data(True)
    assert "Flagged notices" in page


def test_secret_key_is_generated_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from review.app import load_secret_key

    monkeypatch.delenv("VEILLEUR_SECRET_KEY", raising=False)
    first = load_secret_key(tmp_path)
    assert (
        load_secret_key(tmp_path) == first and (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    )


def test_secret_key_from_environment_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from review.app import load_secret_key

    monkeypatch.setenv("VEILLEUR_SECRET_KEY", "from-env")
    assert load_secret_key(tmp_path) == "from-env"
