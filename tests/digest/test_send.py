"""SMTP transport against aiosmtpd on loopback: STARTTLS + AUTH, implicit TLS, verification."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from digest.render import RenderedDigest
from digest.send import SendError, SmtpSender, SmtpSettings, build_message
from tests.factories import digest_record
from tests.smtp import RecordingHandler, free_port

MSG = build_message(RenderedDigest(f"[Veilleur] lyon : {digest_record('2018J114600')['title']}", "texte", "<p>html</p>"),
                    "veilleur@example.org", "lyon")  # fmt: skip


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (generated: no real one exists for loopback)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    c = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    d = tmp_path_factory.mktemp("tls")
    (d / "cert.pem").write_bytes(c.public_bytes(serialization.Encoding.PEM))
    (d / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return d / "cert.pem", d / "key.pem"


def _ctx(cert: tuple[Path, Path]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(*cert)
    return ctx


def _auth(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
    ok = auth_data.login == b"veilleur" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def starttls(cert: tuple[Path, Path]) -> Iterator[tuple[int, RecordingHandler]]:
    handler, port = RecordingHandler(), free_port()
    c = Controller(handler, hostname="127.0.0.1", port=port, tls_context=_ctx(cert), require_starttls=True,
                   authenticator=_auth, auth_required=True)  # fmt: skip
    c.start()
    yield port, handler
    c.stop()


@pytest.fixture
def implicit_tls(cert: tuple[Path, Path]) -> Iterator[tuple[int, RecordingHandler]]:
    handler, port = RecordingHandler(), free_port()
    c = Controller(handler, hostname="127.0.0.1", port=port, ssl_context=_ctx(cert),
                   authenticator=_auth, auth_required=True, auth_require_tls=False)  # fmt: skip
    c.start()
    yield port, handler
    c.stop()


def test_starttls_with_auth_delivers(
    starttls: tuple[int, RecordingHandler], cert: tuple[Path, Path]
) -> None:
    port, _ = starttls
    settings = SmtpSettings(
        "127.0.0.1",
        port,
        "starttls",
        "veilleur",
        "s3cret",
        "veilleur@example.org",
        10,
        str(cert[0]),
    )
    with SmtpSender(settings) as sender:
        assert sender.send(MSG, ["a@example.org"]) == {"a@example.org"}


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_ssl_with_auth_delivers(
    implicit_tls: tuple[int, RecordingHandler], cert: tuple[Path, Path]
) -> None:
    port, handler = implicit_tls
    settings = SmtpSettings(
        "127.0.0.1", port, "ssl", "veilleur", "s3cret", "veilleur@example.org", 10, str(cert[0])
    )
    with SmtpSender(settings) as sender:
        sender.send(MSG, ["a@example.org"])
    assert len(handler.messages) == 1


def test_untrusted_certificate_refused(starttls: tuple[int, RecordingHandler]) -> None:
    port, _ = starttls
    settings = SmtpSettings(
        "127.0.0.1", port, "starttls", "veilleur", "s3cret", "veilleur@example.org", 10
    )
    with pytest.raises(SendError), SmtpSender(settings) as sender:
        sender.send(MSG, ["a@example.org"])


def test_wrong_password_is_send_error(
    starttls: tuple[int, RecordingHandler], cert: tuple[Path, Path]
) -> None:
    port, _ = starttls
    settings = SmtpSettings(
        "127.0.0.1", port, "starttls", "veilleur", "wrong", "veilleur@example.org", 10, str(cert[0])
    )
    with pytest.raises(SendError), SmtpSender(settings) as sender:
        sender.send(MSG, ["a@example.org"])


def test_settings_from_env_default_port() -> None:
    assert (
        SmtpSettings.from_env(
            {"VEILLEUR_SMTP_HOST": "smtp.example.org", "VEILLEUR_SMTP_SECURITY": "ssl"}
        ).port
        == 465
    )


def test_settings_require_host() -> None:
    with pytest.raises(SendError):
        SmtpSettings.from_env({})


def test_settings_reject_unknown_security() -> None:
    with pytest.raises(SendError):
        SmtpSettings.from_env({"VEILLEUR_SMTP_HOST": "h", "VEILLEUR_SMTP_SECURITY": "tls1.0"})
