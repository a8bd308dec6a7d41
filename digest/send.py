"""SMTP delivery: build the MIME message and hand it to the server, recipient by recipient.

Settings come from the environment (see ``docs/operations.md``)::

    VEILLEUR_SMTP_HOST      server name (required to send)
    VEILLEUR_SMTP_PORT      default 587 for starttls, 465 for ssl, 25 for none
    VEILLEUR_SMTP_USER      login (optional)
    VEILLEUR_SMTP_PASSWORD  password (optional)
    VEILLEUR_SMTP_SECURITY  starttls (default) | ssl | none
    VEILLEUR_MAIL_FROM      envelope and header sender
    VEILLEUR_SMTP_CAFILE    extra CA bundle to verify the server (optional; system CAs otherwise)

:meth:`SmtpSender.send` returns the set of recipients the server *accepted*; the caller records
deliveries for exactly those, so a refused or unreachable recipient is retried next run and
nobody who got the message gets it twice.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email import charset as _charset
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import formatdate, make_msgid

from digest.render import RenderedDigest, sanitize_header
from vocabulary.errors import VeilleurError

__all__ = ["SendError", "SmtpSender", "SmtpSettings", "build_message"]

log = logging.getLogger(__name__)
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
SMTP_TIMEOUT_S = 60
# compat32 + explicit Header objects: the modern policy re-parses header values (decoding
# encoded words — the CVE-2024-6923 path) and drops the space at folds between encoded words.
WIRE_POLICY = compat32.clone(linesep="\r\n")
_UTF8_QP = _charset.Charset("utf-8")
_UTF8_QP.body_encoding = _charset.QP


class SendError(VeilleurError, RuntimeError):
    """Raised when nothing could be sent: server unreachable, TLS or authentication failure,
    or every recipient refused. Nothing is recorded; the next run tries again."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    user: str | None = None
    password: str | None = None
    mail_from: str = "veilleur@localhost"
    timeout: float = SMTP_TIMEOUT_S
    cafile: str | None = None

    def tls_context(self) -> ssl.SSLContext:
        """Certificate and host name verified, always: a digest carries the group's watch."""
        return ssl.create_default_context(cafile=self.cafile)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings:
        env = os.environ if env is None else env
        host = env.get("VEILLEUR_SMTP_HOST", "").strip()
        if not host:
            raise SendError("VEILLEUR_SMTP_HOST is not set (use --dry-run to preview)")
        security = env.get("VEILLEUR_SMTP_SECURITY", "starttls").strip().lower() or "starttls"
        if security not in DEFAULT_PORTS:
            raise SendError(
                f"VEILLEUR_SMTP_SECURITY must be starttls, ssl or none, not {security!r}"
            )
        try:
            port = int(env.get("VEILLEUR_SMTP_PORT") or DEFAULT_PORTS[security])
        except ValueError:
            raise SendError(
                f"VEILLEUR_SMTP_PORT must be a port number, not {env['VEILLEUR_SMTP_PORT']!r}"
            ) from None
        return cls(
            host=host,
            port=port,
            security=security,
            user=env.get("VEILLEUR_SMTP_USER") or None,
            password=env.get("VEILLEUR_SMTP_PASSWORD") or None,
            mail_from=env.get("VEILLEUR_MAIL_FROM") or "veilleur@localhost",
            cafile=env.get("VEILLEUR_SMTP_CAFILE") or None,
        )


def build_message(
    rendered: RenderedDigest, mail_from: str, group_name: str, unsubscribe_url: str | None = None
) -> Message:
    """A multipart/alternative message. Recipients travel in the envelope only (like Bcc), so
    members of a group do not see each other's addresses. ``unsubscribe_url`` (the
    recipient's own link) becomes ``List-Unsubscribe`` with RFC 8058 one-click: mail clients
    show an "unsubscribe" button that POSTs to it."""
    msg = MIMEMultipart("alternative")
    # typeshed types header values as str, but the stdlib documents Header objects as values
    # (https://docs.python.org/3/library/email.header.html): the ignores below are that gap
    msg["Subject"] = Header(sanitize_header(rendered.subject), "utf-8")  # type: ignore[assignment]
    msg["From"] = sanitize_header(mail_from, 320)
    msg["To"] = "undisclosed-recipients:;"
    msg["Date"] = formatdate(localtime=False)
    domain = sanitize_header(mail_from.rpartition("@")[2], 100).replace(" ", "") or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    msg["X-Veilleur-Group"] = Header(sanitize_header(group_name, 200), "utf-8")  # type: ignore[assignment]
    msg["Auto-Submitted"] = "auto-generated"
    if unsubscribe_url:
        msg["List-Unsubscribe"] = f"<{sanitize_header(unsubscribe_url, 2000)}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    # MIMEText takes a Charset object as _charset (documented), typeshed says str only
    msg.attach(MIMEText(rendered.text, "plain", _UTF8_QP))  # type: ignore[arg-type]
    msg.attach(MIMEText(rendered.html, "html", _UTF8_QP))  # type: ignore[arg-type]
    return msg


class SmtpSender:
    """``with SmtpSender(settings) as sender: sender.send(msg, rcpts)`` — the connection opens on
    the first send, is reused, and is reopened after a failure (so one broken message does not
    doom the rest of the run)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "ssl":
                conn: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.host, s.port, timeout=s.timeout, context=s.tls_context()
                )
            else:
                conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    conn.starttls(context=s.tls_context())
            if s.user:
                conn.login(s.user, s.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise SendError(f"cannot open SMTP session to {s.host}:{s.port}: {exc}") from exc
        return conn

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            try:
                self._conn.quit()
            except (OSError, smtplib.SMTPException):
                self._conn.close()
            self._conn = None

    def send(self, msg: Message, recipients: Sequence[str]) -> set[str]:
        """Send to ``recipients``; return those the server accepted (250 to RCPT and DATA)."""
        data = msg.as_bytes(policy=WIRE_POLICY)
        if self._conn is None:
            self._conn = self._connect()
        try:
            refused = self._conn.sendmail(self.settings.mail_from, list(recipients), data)
        except smtplib.SMTPRecipientsRefused as exc:
            log.warning("smtp_all_refused recipients=%s", ",".join(exc.recipients))
            return set()
        except (OSError, smtplib.SMTPException) as exc:
            self.__exit__()
            raise SendError(f"SMTP send failed: {exc}") from exc
        for rcpt, (code, reply) in refused.items():
            log.warning("smtp_refused recipient=%s code=%s reply=%r", rcpt, code, reply)
        return set(recipients) - set(refused)
