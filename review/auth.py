"""Accounts: argon2id password hashes, user management, and the login rate limiter.

The limiter lives in process memory: ``veilleur serve`` runs one waitress process with threads,
so one limiter sees every attempt. (Behind several worker processes each keeps its own count;
the docs say so.) It counts failed logins per (client IP, username) and per IP alone in a
sliding window; a success clears the pair's count.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models.review import User
from vocabulary.errors import VeilleurError

__all__ = [
    "ROLES",
    "LoginRateLimiter",
    "UserError",
    "add_user",
    "authenticate",
    "hash_password",
    "list_users",
    "set_active",
    "set_password",
    "verify_password",
]

ROLES = ("analyst", "admin")
MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# verifying against this keeps a login for an unknown user as slow as one for a known user
_DUMMY_HASH = _hasher.hash("veilleur-timing-equaliser")


class UserError(VeilleurError, ValueError):
    """Raised for a refused account operation (unknown user, taken name, weak password)."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password too short (at least {MIN_PASSWORD_LENGTH} characters)")
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def add_user(session: Session, username: str, password: str, role: str = "analyst") -> User:
    username = username.strip()
    if not username or len(username) > 100:
        raise UserError("username must be 1 to 100 characters")
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} already exists")
    user = User(username=username, password_hash=hash_password(password), role=role, active=True)
    session.add(user)
    session.flush()
    return user


def _get(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def set_password(session: Session, username: str, password: str) -> User:
    user = _get(session, username)
    user.password_hash = hash_password(password)
    return user


def set_active(session: Session, username: str, active: bool) -> User:
    user = _get(session, username)
    user.active = active
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this name and password, else None (same cost either way)."""
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        verify_password(_DUMMY_HASH, password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return user


@dataclass
class LoginRateLimiter:
    """Failed-login counter: at most ``per_user`` failures per (IP, username) and ``per_ip``
    per IP within ``window_s`` seconds."""

    per_user: int = 5
    per_ip: int = 30
    window_s: float = 900.0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._fails: dict[tuple[str, str], deque[float]] = {}

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._fails.setdefault(key, deque())
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def blocked(self, ip: str, username: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return (
                len(self._recent((ip, username.strip().lower()), now)) >= self.per_user
                or len(self._recent((ip, ""), now)) >= self.per_ip
            )

    def failed(self, ip: str, username: str) -> None:
        now = time.monotonic()
        with self._lock:
            self._recent((ip, username.strip().lower()), now).append(now)
            self._recent((ip, ""), now).append(now)
            if len(self._fails) > 100_000:  # bound memory under a spray of usernames
                self._fails = {k: v for k, v in self._fails.items() if v}

    def succeeded(self, ip: str, username: str) -> None:
        with self._lock:
            self._fails.pop((ip, username.strip().lower()), None)
