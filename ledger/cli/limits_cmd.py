"""``ledger limits list|show|check|watch``: named benefit and tax limits, and a participant's watch limits.

Named limits (Carer's Allowance, ESA permitted work, the trading allowance) are dated data with sources
in ``ledger/rates/limits`` plus the folders in ``LEDGER_LIMITS``; ``watch`` sets the limits the ledger
warns a participant about (a named limit by key, or an amount typed by hand).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click

from ledger import settings
from ledger.cli.common import fail
from ledger.cli.db_cmd import cli_errors, database_option, existing_database_session
from ledger.cli.participants_cmd import find_participant_id
from ledger.clock import today
from ledger.db.models import Participant
from ledger.involvement.participants import update_participant
from ledger.involvement.schemas import ParticipantUpdate, WatchLimitIn
from ledger.involvement.watch_limits import watch_limit_out
from ledger.money import display_amount
from ledger.rates.benefit_limits import PRESET_LIMITS, LimitError, LimitRegistry, default_limits
from ledger.security.actor import Actor

CLI_ACTOR = Actor.system("cli")
DATE = click.DateTime(["%Y-%m-%d"])


def _registry() -> LimitRegistry:
    try:
        return default_limits()
    except LimitError as exc:
        fail("a limits file could not be loaded:\n" + "\n".join(f"  - {p}" for p in exc.problems))
        raise  # fail() exits; this keeps type checkers content


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


@click.group("limits")
def limits() -> None:
    """Named benefit and tax limits (dated, with sources) and participants' watch limits."""


@limits.command("list")
@click.option("--on", "on", type=DATE, default=None, help="The date to show amounts for (default: today).")
def list_limits(on: datetime | None) -> None:
    """Every named limit with the amount in force on a date."""
    day = on.date() if on else today()
    for limit in _registry().limits():
        found = limit.in_force(day)
        if found is None:
            click.echo(f"{limit.key:<26} {limit.label}: no figure for {_day(day)}")
            continue
        per = "week" if limit.period == "week" else "tax year"
        click.echo(f"{limit.key:<26} {limit.label}: {display_amount(found.amount, limit.currency)} a {per} "
                   f"since {_day(found.effective_from)}")


@limits.command("show")
@click.argument("key")
def show_limit(key: str) -> None:
    """One named limit: every dated amount with its source."""
    registry = _registry()
    limit = registry.get(key)
    if limit is None:
        fail(f"there is no named limit {key!r}; the limits are: {', '.join(registry.keys())}")
        return
    per = "week (Monday to Sunday)" if limit.period == "week" else "tax year (6 April to 5 April)"
    click.echo(f"{limit.label} ({limit.key}), per {per}")
    if limit.description:
        click.echo(limit.description)
    for entry in limit.amounts:
        click.echo(f"  from {_day(entry.effective_from)}: {display_amount(entry.amount, limit.currency)}"
                   f"  ({entry.source})")


@limits.command("check")
@click.argument("folders", nargs=-1, type=click.Path(path_type=Path))
def check_limits(folders: tuple[Path, ...]) -> None:
    """Check limit files (the shipped ones plus FOLDERS, as LEDGER_LIMITS would add them)."""
    try:
        registry = LimitRegistry.from_folders([PRESET_LIMITS, *folders])
    except LimitError as exc:
        fail(f"{len(exc.problems)} problem(s) found\n" + "\n".join(f"  - {p}" for p in exc.problems))
        return
    click.echo(f"OK: {len(registry.keys())} named limits ({', '.join(registry.keys())})")


@limits.command("watch")
@click.argument("participant")
@click.option("--limit", "limit_key", default=None, help="A named limit, e.g. carers_allowance.")
@click.option("--amount", default=None, help='An amount typed by hand, e.g. "195.50" (with --period and --label).')
@click.option("--period", type=click.Choice(["week", "tax_year"]), default=None)
@click.option("--label", default=None, help="What the limit is for (a named limit has its own).")
@click.option("--clear", is_flag=True, help="Remove every watch limit instead.")
@database_option
def watch_command(participant: str, limit_key: str | None, amount: str | None, period: str | None,
                  label: str | None, clear: bool, database_url: str | None) -> None:
    """Add a watch limit to a participant (or --clear them); prints the limits they now have."""
    if clear == (limit_key is not None or amount is not None):
        fail("give --limit KEY, or --amount with --period and --label, or --clear")
    url = settings.database_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        pid = find_participant_id(session, participant)
        person = session.get(Participant, pid)
        if person is None:
            fail(f"there is no participant {participant!r}")
            return
        kept = [] if clear else [
            WatchLimitIn(period=w.period, label=w.label, limit=w.limit_key) if w.limit_key else  # type: ignore[arg-type]
            WatchLimitIn(period=w.period, amount=watch_limit_out(w, today()).amount,  # type: ignore[arg-type]
                         label=w.label)
            for w in person.watch_limits
        ]
        if not clear:
            kept.append(WatchLimitIn(period=period, amount=amount, label=label, limit=limit_key))  # type: ignore[arg-type]
        changed = update_participant(session, CLI_ACTOR, pid, ParticipantUpdate(watch_limits=kept))
        shown = [watch_limit_out(w, today()) for w in changed.watch_limits]
        reference = changed.reference
    if not shown:
        click.echo(f"{reference} has no watch limits.")
    for item in shown:
        named = f" [{item.limit}]" if item.limit else ""
        figure = item.amount if item.amount is not None else "no figure for today"
        click.echo(f"{reference}: {item.label}{named}: {figure} {item.currency} per {item.period.replace('_', ' ')}")


def register(group: click.Group) -> None:
    group.add_command(limits)
