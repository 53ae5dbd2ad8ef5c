"""``ledger worker`` and ``ledger messages ...``: send e-mails, see failed ones, resend, print letters.

* ``ledger worker`` delivers the outbox over SMTP (``LEDGER_SMTP_URL``) until stopped (Ctrl+C or
  SIGTERM finish the message in hand first); ``--once`` delivers what is due now and stops (for cron).
  ``ledger serve`` already runs one inside it; run more on other machines with PostgreSQL.
* ``ledger messages list [--failed]``: what was sent, what is waiting, what failed and why.
* ``ledger messages resend ID --as NAME``: try a failed message again.
* ``ledger messages statement --participant ID --as NAME``: e-mail one person their statement.
* ``ledger messages year-end --as NAME``: statements for everyone involved in the tax year just ended,
  by e-mail for those who chose it, and the letters PDF for those who chose post (``--letters FILE``).
* ``ledger messages letters --batch ID --out FILE`` / ``--statements``: the letters PDF to print.

E-mail addresses are shown masked (``a***@***``): the list is for finding failures, not for reading
people's details.
"""

from __future__ import annotations

import signal
import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from types import FrameType

import click
from sqlalchemy import select

from ledger import clock
from ledger.audit.personal import mask_email
from ledger.cli.batch_cmd import _person, as_option, cli_transaction
from ledger.cli.common import CliError, cli_errors, fail, friendly_errors
from ledger.cli.db_cmd import database_option, resolve_url
from ledger.cli.statements_cmd import write_whole
from ledger.db.engine import make_engine, make_session_factory
from ledger.db.models import Participant
from ledger.messages.letters import LetterRun, batch_letters, statement_letters
from ledger.messages.outbox import list_messages, queue_statement_run, request_statement, resend
from ledger.messages.transport import SMTP_ENV, FileSettings, SmtpSettings, configured
from ledger.messages.worker import Worker, WorkerSettings
from ledger.rates.taxyear import resolve_period, tax_year_start
from ledger.settings import SettingError

DATE = click.DateTime(["%Y-%m-%d"])


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def delivery_settings() -> SmtpSettings | FileSettings:
    """The configured transport, or a one-line error saying what to set."""
    try:
        settings = configured()
    except SettingError as exc:
        raise CliError(str(exc)) from None
    if settings is None:
        return fail(f"{SMTP_ENV} is not set: say which mail server to use, e.g. smtp+starttls://user:password@host:587 "
             "(see docs/messages.md)")
    return settings


@click.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then stop (for cron).")
@database_option
def worker_command(once: bool, database_url: str | None) -> None:
    """Send the e-mails waiting in the outbox (LEDGER_SMTP_URL), retrying when the server is away."""
    import logging

    url = resolve_url(database_url)
    settings = delivery_settings()
    with cli_errors(url):
        worker_settings = WorkerSettings.from_env()
        engine = make_engine(url)
    worker = Worker(make_session_factory(engine), settings, worker_settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        with cli_errors(url):
            if once:
                done = worker.run_until_empty()
                click.echo(f"Sent {len(done.sent)}, to try again later {len(done.retried)}, failed {len(done.failed)}.")
                return
            stop = threading.Event()

            def finish(_signum: int, _frame: FrameType | None) -> None:
                stop.set()

            signal.signal(signal.SIGTERM, finish)
            signal.signal(signal.SIGINT, finish)
            click.echo(f"Delivering messages to {settings.describe()} (Ctrl+C to stop).")
            worker.run_forever(stop)
    finally:
        engine.dispose()


@click.group("messages")
def messages() -> None:
    """E-mails and letters to participants: list, resend, statements, letters to print."""


@messages.command("list")
@click.option("--failed", is_flag=True, help="Only messages that could not be delivered.")
@click.option("--status", type=click.Choice(["queued", "sending", "sent", "failed"]), default=None,
              help="Only messages in this state.")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@database_option
@friendly_errors
def list_command(failed: bool, status: str | None, limit: int, database_url: str | None) -> None:
    """Messages newest first: kind, state, attempts and the mail server's last answer."""
    if failed and status not in (None, "failed"):
        fail("give either --failed or --status, not both")
    wanted = "failed" if failed else status
    with cli_transaction(database_url) as session:
        page = list_messages(session, status=wanted, limit=limit)
        references = dict(session.execute(select(Participant.id, Participant.reference).where(
            Participant.id.in_({m.participant_id for m in page.items if m.participant_id is not None}))).all())
        if not page.items:
            click.echo(f"No {wanted + ' ' if wanted else ''}messages.")
            return
        for m in page.items:
            who = references.get(m.participant_id, "-") if m.participant_id is not None else "-"
            click.echo(f"{m.id:>6}  {m.kind:<10}  {m.status:<7}  {who:<8}  {mask_email(m.recipient):<8}  "
                       f"attempts {m.attempts}  {m.created_at:%Y-%m-%d %H:%M}  {m.subject}")
            if m.last_answer and m.status != "sent":
                click.echo(f"        last answer: {m.last_answer}")
        shown = len(page.items)
        more = f" (showing the newest {shown}; use --limit)" if page.total > shown else ""
        click.echo(f"{page.total} message{'s' if page.total != 1 else ''}{more}.")


@messages.command("resend")
@click.argument("message_id", type=int)
@as_option
@database_option
@friendly_errors
def resend_command(message_id: int, as_name: str, database_url: str | None) -> None:
    """Put failed message MESSAGE_ID back in the queue (the worker sends it)."""
    with cli_transaction(database_url) as session:
        message = resend(session, _person(as_name), message_id)
        click.echo(f"Message {message.id} is queued again; the worker will send it.")


@messages.command("statement")
@click.option("--participant", "participant_id", type=int, required=True, help="The participant (id).")
@click.option("--from", "period_from", type=DATE, default=None, help="First day (default: start of tax year).")
@click.option("--to", "period_to", type=DATE, default=None, help="Last day (default: end of tax year).")
@as_option
@database_option
@friendly_errors
def statement_command(participant_id: int, period_from: datetime | None, period_to: datetime | None,
                      as_name: str, database_url: str | None) -> None:
    """E-mail one participant their statement (refused if they chose post or no messages)."""
    start, end = resolve_period(_day(period_from), _day(period_to), clock.today())
    with cli_transaction(database_url) as session:
        message = request_statement(session, _person(as_name), participant_id, start, end)
        click.echo(f"Statement queued as message {message.id}; the worker will send it.")


def _last_tax_year() -> tuple[date, date]:
    end = tax_year_start(clock.today()) - timedelta(days=1)
    return tax_year_start(end), end


@messages.command("year-end")
@click.option("--from", "period_from", type=DATE, default=None, help="First day (default: the tax year just ended).")
@click.option("--to", "period_to", type=DATE, default=None, help="Last day (default: the tax year just ended).")
@click.option("--letters", "letters_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the letters for people who chose post to this PDF file.")
@as_option
@database_option
@friendly_errors
def year_end_command(period_from: datetime | None, period_to: datetime | None, letters_path: Path | None,
                     as_name: str, database_url: str | None) -> None:
    """Statements for everyone involved in the tax year: e-mails queued, letters for those who chose post."""
    if period_from is None and period_to is None:
        start, end = _last_tax_year()
    else:
        start, end = resolve_period(_day(period_from), _day(period_to), clock.today())
    with cli_transaction(database_url) as session:
        outcome = queue_statement_run(session, _person(as_name), start, end)
        click.echo(f"Statements for {start} to {end}: {outcome.summary()}.")
        if outcome.by_post and letters_path is not None:
            _write_letters(statement_letters(session, start, end), letters_path)
        elif outcome.by_post:
            click.echo(f"Print their letters with: ledger messages letters --statements --from {start} --to {end} "
                       "--out letters.pdf")


def _write_letters(run: LetterRun, path: Path) -> None:
    if run.pdf is None:
        click.echo("Nobody here chose letters by post; no file written.")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_whole(path, run.pdf)
        click.echo(f"Wrote {len(run.included)} letter{'s' if len(run.included) != 1 else ''} to {path}.")
    for line in run.left_out():
        click.echo(line)


@messages.command("letters")
@click.option("--batch", "batch_id", type=int, default=None, help="Payment advice letters for this batch (id).")
@click.option("--statements", is_flag=True, help="Statement letters for a period.")
@click.option("--participant", "participant_id", type=int, default=None, help="With --statements: one person.")
@click.option("--from", "period_from", type=DATE, default=None, help="With --statements: first day.")
@click.option("--to", "period_to", type=DATE, default=None, help="With --statements: last day.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF file to write.")
@database_option
@friendly_errors
def letters_command(batch_id: int | None, statements: bool, participant_id: int | None, period_from: datetime | None,
                    period_to: datetime | None, out_path: Path, database_url: str | None) -> None:
    """One PDF to print: a letter per person who chose post, their advice or statement behind it."""
    if (batch_id is None) == (not statements):
        fail("give either --batch ID or --statements")
    with cli_transaction(database_url) as session:
        if batch_id is not None:
            run = batch_letters(session, batch_id)
        else:
            start, end = resolve_period(_day(period_from), _day(period_to), clock.today())
            run = statement_letters(session, start, end, participant_id)
        _write_letters(run, out_path)


def register(group: click.Group) -> None:
    group.add_command(worker_command)
    group.add_command(messages)
