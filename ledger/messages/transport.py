"""How messages leave the ledger: an SMTP server (``LEDGER_SMTP_URL``), or a folder of ``.eml`` files.

``LEDGER_SMTP_URL`` says everything in one line (like ``LEDGER_DATABASE_URL``)::

    smtp+starttls://USER:PASSWORD@smtp.example.org:587     STARTTLS (the usual choice; port 587 by default)
    smtps://USER:PASSWORD@smtp.example.org:465             TLS from the start (port 465 by default)
    smtp://localhost:25                                    no encryption: only for a relay on this machine
    file:///var/lib/ledger/outgoing                        write each message as an .eml file (demo, testing)

Add ``?from=payments@example.org`` when the server only accepts that sender (the organisation's contact
e-mail is the default From; replies always go to it) and ``&timeout=30`` (seconds) to change the wait.
A user name or password with ``@``, ``:`` or ``/`` is written percent-encoded (``%40``, ``%3A``, ``%2F``).

Each attempt ends in one of three ways, and the worker acts on it:
:class:`Accepted` (the server's answer, kept on the message), :class:`TryLater` (the server was not
reachable, or answered 4xx, or refused our user name or password: retried with back-off) or
:class:`Refused` (a 5xx answer about this message: retrying would get the same answer, so it fails now).
The password never appears in an answer, a log line or an error message.
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
import tempfile
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.settings import SettingError

SMTP_ENV = "LEDGER_SMTP_URL"
DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
SECURITY = {"smtp": "none", "smtp+starttls": "starttls", "smtps": "tls"}
DEFAULT_TIMEOUT = 30.0


class DeliveryProblem(Exception):
    """An attempt that did not deliver; ``answer`` is what to show finance (no password, no address).

    ``server_down``: the server could not be reached or refused us as a whole (not this one message), so
    the rest of the round is put back at once instead of waiting for the same timeout message by message.
    """

    def __init__(self, answer: str, *, server_down: bool = False) -> None:
        super().__init__(answer)
        self.answer = answer
        self.server_down = server_down


class TryLater(DeliveryProblem):
    """Worth another attempt later."""


class Refused(DeliveryProblem):
    """The server refused this message for good."""


@dataclass(frozen=True, slots=True)
class Accepted:
    answer: str


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str  # none | starttls | tls
    username: str | None = field(default=None, repr=False)  # never in a repr, log line or traceback
    password: str | None = field(default=None, repr=False)
    sender: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    def describe(self) -> str:
        """For people and logs: host, port and security, never the user name or password."""
        return f"{self.host}:{self.port} ({'STARTTLS' if self.security == 'starttls' else self.security.upper()})"


@dataclass(frozen=True)
class FileSettings:
    folder: Path
    sender: str | None = None

    def describe(self) -> str:
        return f"files in {self.folder}"


BROKEN_URL = (f"{SMTP_ENV} is not a valid address: check the port is a number from 1 to 65535, and write any "
              "/ # ? @ : or % in the user name or password as %2F %23 %3F %40 %3A %25; see docs/messages.md")


def parse_url(url: str) -> SmtpSettings | FileSettings:
    """Read ``LEDGER_SMTP_URL`` (see the module docstring); a wrong value is a :class:`SettingError`."""
    # Never quote the URL, or Python's own words about it, in an error: a password with a "/", "#" or "?"
    # in it ends the server's address early, so the password is then read as the port and would be repeated.
    try:
        parts = urlsplit(url.strip())
        query = parse_qs(parts.query)
        port = parts.port
    except ValueError:
        raise SettingError(BROKEN_URL) from None
    if parts.scheme != "file" and "@" not in parts.netloc and (
            "@" in parts.path or "@" in parts.fragment or any("=" not in piece for piece in parts.query.split("&")
                                                            if "@" in piece)):
        raise SettingError(BROKEN_URL)
    sender: str | None = query["from"][0] if query.get("from") else None
    if parts.scheme == "file":
        folder = unquote(parts.path)
        if not folder:
            raise SettingError(f"{SMTP_ENV}: a file:// address needs a folder, such as file:///tmp/outgoing")
        return FileSettings(Path(folder), sender)
    if parts.scheme not in DEFAULT_PORTS:
        raise SettingError(f"{SMTP_ENV} must start with smtp+starttls://, smtps://, smtp:// or file://, "
                           f"not {parts.scheme or 'nothing'}://")
    if not parts.hostname:
        raise SettingError(f"{SMTP_ENV} names no mail server (smtp+starttls://user:password@host:587)")
    timeout = DEFAULT_TIMEOUT
    if "timeout" in query:
        raw = query["timeout"][0]
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= 600):
            raise SettingError(f"{SMTP_ENV}: timeout must be whole seconds from 1 to 600, not {raw!r}")
        timeout = float(raw)
    if sender is not None and "@" not in sender:
        raise SettingError(f"{SMTP_ENV}: from= must be an e-mail address")
    return SmtpSettings(
        host=parts.hostname, port=port or DEFAULT_PORTS[parts.scheme], security=SECURITY[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None, sender=sender, timeout=timeout,
    )


def configured(url: str | None = None) -> SmtpSettings | FileSettings | None:
    """The delivery settings from ``url`` or ``LEDGER_SMTP_URL``; ``None`` when nothing is set."""
    raw = url if url is not None else os.environ.get(SMTP_ENV, "")
    return parse_url(raw) if raw.strip() else None


class Transport(Protocol):
    sender: str | None

    def __enter__(self) -> Transport: ...

    def __exit__(self, *exc: object) -> None: ...

    def send(self, mail: EmailMessage, recipient: str, name: str) -> Accepted: ...


_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>@]+>?")


def _answer(code: int, text: bytes | str) -> str:
    """The server's answer on one line, any e-mail address in it masked (servers often quote the recipient)."""
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return _ADDRESS.sub("<address>", f"{code} {' '.join(words.split())}".strip())


class SmtpTransport:
    """One connection for a round of messages (opened lazily, re-opened after a failure)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self.sender = settings.sender
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "tls":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            smtp.ehlo()
            if s.security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if s.username:
                smtp.login(s.username, s.password or "")
        except smtplib.SMTPAuthenticationError as exc:
            said = _answer(exc.smtp_code, exc.smtp_error)
            raise TryLater(f"the mail server refused the user name or password ({said}); check {SMTP_ENV}",
                           server_down=True) from None
        except smtplib.SMTPNotSupportedError:
            raise TryLater(f"the mail server at {s.describe()} does not offer what {SMTP_ENV} asks for "
                           "(STARTTLS or a sign-in)", server_down=True) from None
        except smtplib.SMTPResponseException as exc:
            raise TryLater(f"the mail server would not talk to us: {_answer(exc.smtp_code, exc.smtp_error)}",
                           server_down=True) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise TryLater(f"could not reach the mail server at {s.describe()}: {_why(exc)}",
                           server_down=True) from None
        return smtp

    def send(self, mail: EmailMessage, recipient: str, name: str = "") -> Accepted:
        if self._smtp is None:
            self._smtp = self._connect()
        smtp = self._smtp
        sender = str(mail["From"].addresses[0].addr_spec) if mail["From"] else (self.sender or "")
        try:
            code, text = smtp.mail(sender)
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, text, sender)
            code, text = smtp.rcpt(recipient)
            if code not in (250, 251):
                raise smtplib.SMTPRecipientsRefused({recipient: (code, text)})
            code, text = smtp.data(wire_bytes(mail))
            if code != 250:
                raise smtplib.SMTPDataError(code, text)
            return Accepted(_answer(code, text))
        except smtplib.SMTPRecipientsRefused as exc:
            self._reset()
            ((code, text),) = exc.recipients.values()
            raise _by_code(code, "the mail server refused the address", text) from None
        except smtplib.SMTPResponseException as exc:
            self._reset()
            raise _by_code(exc.smtp_code, "the mail server refused the message", exc.smtp_error) from None
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise TryLater(f"the connection to the mail server broke: {_why(exc)}") from None

    def _reset(self) -> None:
        try:
            if self._smtp is not None:
                self._smtp.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def _drop(self) -> None:
        if self._smtp is not None:
            self._smtp.close()
        self._smtp = None


def _by_code(code: int, what: str, text: bytes | str) -> DeliveryProblem:
    answer = f"{what}: {_answer(code, text)}"
    return Refused(answer) if 500 <= code < 600 else TryLater(answer)


def _why(exc: BaseException) -> str:
    if isinstance(exc, socket.timeout | TimeoutError):
        return "no answer in time"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLError):
        return f"TLS problem ({exc.reason or 'handshake failed'})"
    if isinstance(exc, socket.gaierror):
        return "the server's name is not known"
    return exc.__class__.__name__


class FileTransport:
    """Writes each message to ``<folder>/<name>.eml`` (the worker names it by outbox id and kind).

    Each file is written whole (temporary file, then renamed), so a reader never sees half a message.
    """

    def __init__(self, settings: FileSettings) -> None:
        self.folder = settings.folder
        self.sender = settings.sender

    def __enter__(self) -> FileTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def send(self, mail: EmailMessage, recipient: str, name: str = "") -> Accepted:
        self.folder.mkdir(parents=True, exist_ok=True)
        wanted = name or str(mail["Message-ID"]).strip("<>")
        stem = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in wanted)
        path = self.folder / f"{stem}.eml"
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=self.folder)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(wire_bytes(mail))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Accepted(f"written to {path.name}")


def wire_bytes(mail: EmailMessage) -> bytes:
    """The message as sent: CRLF line ends (smtplib does not fix the line ends of bytes)."""
    return mail.as_bytes(policy=SMTP_POLICY)


def open_transport(settings: SmtpSettings | FileSettings) -> SmtpTransport | FileTransport:
    return FileTransport(settings) if isinstance(settings, FileSettings) else SmtpTransport(settings)
