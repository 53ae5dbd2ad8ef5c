"""The server's logs never hold sign-in links, invitation links, verification codes, query strings or client
addresses: a real request through uvicorn with the logging ``ledger serve`` uses."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from ledger.api.app import create_app
from ledger.web.log_redaction import RedactSecrets, redact_path, redact_text, uvicorn_log_config

SECRET = "Zk3secretSECRETsecret9"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_access_log_through_uvicorn_hides_secrets(tmp_path: Path, capfd: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.getLogger("httpx"), "level", logging.WARNING)  # the test's own client's URLs
    app = create_app(f"sqlite:///{tmp_path / 'log.db'}")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=uvicorn_log_config()))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        base = f"http://127.0.0.1:{port}"
        for path in (f"/sign-in/link/{SECRET}", f"/invitations/{SECRET}", f"/verify/{SECRET}",
                     f"/api/v1/verify/{SECRET}", f"/sign-in?next=/x&code={SECRET}"):
            httpx.get(base + path, timeout=30)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    out, err = capfd.readouterr()
    log = out + err
    assert "/sign-in/link/[hidden]" in log and "/invitations/[hidden]" in log and "/sign-in?[hidden]" in log
    assert SECRET not in log
    assert "127.0.0.1:" not in log.replace(f"127.0.0.1:{port}", "")  # no client address (host:port) logged


@pytest.mark.parametrize(
    ("path", "shown"),
    [
        (f"/sign-in/link/{SECRET}", "/sign-in/link/[hidden]"),
        (f"/invitations/{SECRET}?a=b", "/invitations/[hidden]?[hidden]"),
        ("/records?page=2", "/records?[hidden]"),
        ("/lead", "/lead"),
        ("/invitations/", "/invitations/"),
    ],
)
def test_redact_path(path: str, shown: str) -> None:
    assert redact_path(path) == shown


def test_other_messages_are_redacted_too() -> None:
    record = logging.LogRecord("ledger.api", logging.ERROR, __file__, 1, "unexpected error on GET %s", (
        f"/sign-in/link/{SECRET}",), None)
    RedactSecrets().filter(record)
    assert record.getMessage() == "unexpected error on GET /sign-in/link/[hidden]"
    assert SECRET not in redact_text(f'"GET /verify/{SECRET} HTTP/1.1" and /x?email=a@b.org')
