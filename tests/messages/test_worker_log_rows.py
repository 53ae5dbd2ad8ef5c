"""``ledger worker --once`` with DEBUG logging writes no participant's name or e-mail address to the log.

SQLAlchemy logs every row it reads at DEBUG; the web app hides those lines when it is built
(``ledger.web.log_redaction.hide_database_rows``), and the command line must do the same when it starts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from ledger.cli import main
from ledger.db.engine import transaction
from ledger.web.log_redaction import ENGINE_LOGGER, HideDatabaseRows
from messages.conftest import SmtpServer
from messages.support import paid_batch, person


@pytest.fixture
def no_row_filters() -> Iterator[None]:
    """Start with no row filter on SQLAlchemy's loggers (another test may have built the web app), so
    only the command itself can put one there; put back what was there afterwards."""
    loggers = [logging.getLogger(name) for name in [ENGINE_LOGGER, *logging.root.manager.loggerDict]
               if name.startswith(ENGINE_LOGGER)]
    kept = {logger: [f for f in logger.filters if isinstance(f, HideDatabaseRows)] for logger in loggers}
    for logger, filters in kept.items():
        for f in filters:
            logger.removeFilter(f)
    yield
    for logger, filters in kept.items():
        for f in filters:
            if f not in logger.filters:
                logger.addFilter(f)


@pytest.mark.usefixtures("no_row_filters")
def test_worker_at_debug_logs_no_names_or_addresses(
        factory: sessionmaker[Session], tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    db = ["--database", f"sqlite:///{tmp_path / 'ledger.db'}"]
    with transaction(factory) as session:
        zed = person(session, "Zed Quillfeather", email="zed.quill@example.net")
        paid_batch(session, [(zed, 5500, 0)])
    monkeypatch.setenv("LEDGER_SMTP_URL", f"smtp://{smtp.settings.host}:{smtp.settings.port}")
    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy", ENGINE_LOGGER, f"{ENGINE_LOGGER}.Engine"):  # as an operator turning logging up
        caplog.set_level(logging.DEBUG, logger=name)
        logging.getLogger(name).disabled = False  # alembic's fileConfig (migrations above) disables loggers
    done = CliRunner().invoke(main, ["worker", "--once", *db])
    assert done.exit_code == 0 and "Sent 1" in done.output, done.output
    # "mail.log" is aiosmtpd, the test's own mail server (it logs what it receives); not the ledger's
    ours = [record for record in caplog.records if not record.name.startswith("mail.log")]
    logged = "\n".join(record.getMessage() for record in ours)
    assert "SELECT" in logged, "SQL is still logged at DEBUG (this test would prove nothing otherwise)"
    for personal in ("Quillfeather", "zed.quill@example.net"):
        assert personal not in logged, [(r.name, r.getMessage()[:150]) for r in ours if personal in r.getMessage()]
