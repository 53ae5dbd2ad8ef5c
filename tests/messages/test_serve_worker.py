"""``ledger serve`` runs a worker inside it when LEDGER_SMTP_URL is set, and says so when it is not."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import transaction
from ledger.messages.background import background_worker
from messages.conftest import SmtpServer
from messages.support import paid_batch, person


def test_the_background_worker_delivers_while_the_server_runs(
        factory: sessionmaker[Session], tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    with transaction(factory) as session:
        paid_batch(session, [(person(session, "Ann Example", email="ann@example.net"), 5500, 0)])
    monkeypatch.setenv("LEDGER_SMTP_URL", f"smtp://{smtp.settings.host}:{smtp.settings.port}")
    with background_worker(f"sqlite:///{tmp_path / 'ledger.db'}") as note:
        assert "sent by a worker in this server" in note and "127.0.0.1" in note
        deadline = time.monotonic() + 20
        while not smtp.recorder.received and time.monotonic() < deadline:
            time.sleep(0.05)
    assert [r.recipients for r in smtp.recorder.received] == [["ann@example.net"]]


def test_serve_says_whether_it_sends_e_mails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: calls.append(kwargs))
    db = ["--database", f"sqlite:///{tmp_path / 'ledger.db'}"]
    monkeypatch.delenv("LEDGER_SMTP_URL", raising=False)
    unset = CliRunner().invoke(main, ["serve", *db])
    assert unset.exit_code == 0 and "LEDGER_SMTP_URL is not set" in unset.output and calls
    off = CliRunner().invoke(main, ["serve", "--no-worker", *db])
    assert off.exit_code == 0 and "--no-worker" in off.output
    monkeypatch.setenv("LEDGER_SMTP_URL", "smtps://user:secret@")
    wrong = CliRunner().invoke(main, ["serve", *db])
    assert wrong.exit_code == 1 and "names no mail server" in wrong.output and "secret" not in wrong.output
