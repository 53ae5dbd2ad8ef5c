"""LEDGER_SMTP_URL read right, and real TLS: STARTTLS with a sign-in, and TLS from the start."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy.orm import Session, sessionmaker

from ledger.db.engine import transaction
from ledger.db.models_messages import MessageStatus, OutboxMessage
from ledger.messages.transport import FileSettings, SmtpSettings, parse_url
from ledger.messages.worker import Worker
from ledger.settings import SettingError
from messages.conftest import FAST, Recorder, free_port
from messages.support import paid_batch, person


def test_the_smtp_url_says_host_port_security_user_and_password() -> None:
    s = parse_url("smtp+starttls://mailer%40org:p%40ss%3Aword@smtp.example.org?from=pay@example.org&timeout=20")
    assert isinstance(s, SmtpSettings)
    assert (s.host, s.port, s.security, s.username, s.password, s.sender, s.timeout) == (
        "smtp.example.org", 587, "starttls", "mailer@org", "p@ss:word", "pay@example.org", 20.0)
    assert "p@ss" not in s.describe() and "mailer" not in s.describe()
    tls = parse_url("smtps://u:p@mail.example.org")
    assert isinstance(tls, SmtpSettings) and (tls.port, tls.security) == (465, "tls")
    plain = parse_url("smtp://localhost:2525")
    assert isinstance(plain, SmtpSettings) and (plain.port, plain.security, plain.username) == (2525, "none", None)
    assert parse_url("file:///tmp/outgoing") == FileSettings(Path("/tmp/outgoing"))
    for wrong, words in (("http://x", "must start with"), ("smtp://", "names no mail server"),
                         ("smtp://h:99999", "not a valid address"), ("smtp://h?timeout=soon", "timeout must be"),
                         ("smtp://h?from=nobody", "from= must be"), ("file://", "needs a folder")):
        with pytest.raises(SettingError, match=words):
            parse_url(wrong)
    with pytest.raises(SettingError) as caught:
        parse_url("smtp+starttls://u:secret@")
    assert "secret" not in str(caught.value)



@pytest.mark.parametrize("url", [
    "smtp+starttls://mailer:s3cr3tpw/x@mail.example.org:587",  # an unescaped / ends the address early
    "smtps://mailer:s3cr3tpw#x@mail.example.org",  # and # starts a fragment
    "smtp+starttls://mailer:s3cr3tpw?x@mail.example.org",
    "smtps://mailer:4242/s3cr3tpw@mail.example.org",  # would have "worked": host "mailer", port 4242
])
def test_a_password_that_breaks_the_smtp_url_is_never_repeated_in_the_error(url: str) -> None:
    with pytest.raises(SettingError) as caught:
        parse_url(url)
    assert "s3cr3tpw" not in str(caught.value) and "mailer" not in str(caught.value)
    assert "%2F" in str(caught.value)  # says how to write such a character


def test_the_smtp_settings_never_show_the_user_name_or_password() -> None:
    """A settings object that ends up in a log line, a traceback or a repr() keeps the sign-in to itself."""
    settings = parse_url("smtp+starttls://mailer:s3cr3tpw@mail.example.org")
    assert isinstance(settings, SmtpSettings) and settings.password == "s3cr3tpw"
    assert "s3cr3tpw" not in repr(settings) and "mailer" not in repr(settings)
    assert "s3cr3tpw" not in str(settings)


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1, trusted by the client through SSL_CERT_FILE."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class Accounts:
    """aiosmtpd authenticator: one account; remembers who signed in."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        if isinstance(data, LoginPassword):
            self.seen.append((data.login.decode(), data.password.decode()))
            if (data.login, data.password) == (b"mailer@org", b"p@ss:word"):
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


@pytest.fixture
def one_payment(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    with transaction(factory) as session:
        paid_batch(session, [(person(session, "Ann Example", email="ann@example.net"), 5500, 0)])
    return factory


def _server(certificate: tuple[Path, Path], implicit: bool, accounts: Accounts) -> Iterator[tuple[Recorder, int]]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    recorder, port = Recorder(), free_port()
    # aiosmtpd offers AUTH over TLS-from-the-start only with auth_require_tls off (it checks for STARTTLS).
    tls: dict[str, Any] = ({"ssl_context": context, "auth_require_tls": False} if implicit
                           else {"tls_context": context, "require_starttls": True, "auth_require_tls": True})
    controller = Controller(recorder, hostname="127.0.0.1", port=port, authenticator=accounts,
                            server_hostname="localhost", **tls)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


@pytest.mark.parametrize("scheme", ["smtp+starttls", "smtps"])
def test_tls_and_a_sign_in(one_payment: sessionmaker[Session], certificate: tuple[Path, Path], scheme: str,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    accounts = Accounts()
    server = _server(certificate, scheme == "smtps", accounts)
    recorder, port = next(server)
    try:
        wrong = parse_url(f"{scheme}://mailer%40org:not-it@localhost:{port}")
        Worker(one_payment, wrong, FAST).run_once()
        with one_payment() as session:
            row = session.get(OutboxMessage, 1)
            assert row is not None and row.status == MessageStatus.QUEUED  # tried again later
            assert "refused the user name or password" in (row.last_answer or "") and "not-it" not in row.last_answer
        right = parse_url(f"{scheme}://mailer%40org:p%40ss%3Aword@localhost:{port}")
        assert Worker(one_payment, right, FAST).run_until_empty().sent == [1]
    finally:
        next(server, None)
    assert accounts.seen[-1] == ("mailer@org", "p@ss:word")
    assert [r.recipients for r in recorder.received] == [["ann@example.net"]]
