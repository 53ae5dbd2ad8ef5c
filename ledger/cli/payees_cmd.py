"""``ledger payees pending|show|confirm|refuse``: changes of payee details waiting for a second person.

Like the other commands, these act with administrator rights and no API token (whoever runs them can
reach the database anyway). A decision is made by a person, though, so ``confirm`` and ``refuse`` ask
for a name (``--as``): it goes into the audit trail, and four eyes are checked against it (a change
proposed without a token under the same name cannot be confirmed by that name). Bank numbers are
always shown masked.
"""

from __future__ import annotations

import click

from ledger.cli.common import fail
from ledger.cli.db_cmd import cli_errors, database_option, existing_database_session, resolve_url
from ledger.db.models import Role
from ledger.involvement.payee_changes import change_out, confirm, get_change, list_pending, refuse
from ledger.involvement.schemas import PayeeChangeOut, PayeeDetailsOut
from ledger.security.actor import Actor

CLI_READER = Actor.system("cli")
MAX_NAME = 200

as_option = click.option(
    "--as", "as_name", required=True, metavar="NAME",
    help="Your name, for the audit trail. It must not be the person who proposed the change.",
)


def _person(name: str) -> Actor:
    name = name.strip()
    if not name:
        fail("--as needs your name (it goes into the audit trail)")
    if len(name) > MAX_NAME:
        fail(f"--as: a name of at most {MAX_NAME} characters, please")
    return Actor(token_id=None, name=name, role=Role.ADMIN)


def _details(details: PayeeDetailsOut) -> str:
    parts = [details.payment_preference]
    if details.bank is not None:
        parts.append(f"bank {details.bank.account_name} {details.bank.sort_code} {details.bank.account_number}")
    if details.organisation is not None:
        reference = f" (ref {details.organisation.reference})" if details.organisation.reference else ""
        parts.append(f"organisation {details.organisation.name}{reference}")
    return ", ".join(parts)


def _describe(change: PayeeChangeOut) -> list[str]:
    when = change.proposed_at.strftime("%Y-%m-%d %H:%M")
    lines = [f"Change {change.id} for {change.participant_reference} {change.participant_name}: {change.status}"]
    if change.status == "pending":  # once decided, "now" has moved on: comparing them says nothing
        lines.append(f"  changes:  {', '.join(change.changed) or 'nothing'}")
    lines += [
        f"  now:      {_details(change.current)}",
        f"  proposed: {_details(change.proposed)}",
        f"  proposed by {change.proposed_by} on {when}",
    ]
    if change.decided_by is not None and change.decided_at is not None:
        lines.append(f"  {change.status} by {change.decided_by} on {change.decided_at.strftime('%Y-%m-%d %H:%M')}")
    if change.reason:
        lines.append(f"  reason: {change.reason}")
    return lines


@click.group("payees")
def payees() -> None:
    """Changes of bank details, payee organisation or payment choice: confirm or refuse (four eyes)."""


@payees.command("pending")
@database_option
def pending_command(database_url: str | None) -> None:
    """List the changes waiting for a second person, longest waiting first."""
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        page = list_pending(session, CLI_READER, limit=500)
        lines = [line for change in page.items for line in _describe(change_out(change))]
        total = page.total
    if total == 0:
        click.echo("No payee changes are waiting.")
        return
    click.echo("\n".join(lines))
    shown = f" (first {len(page.items)} shown)" if total > len(page.items) else ""
    click.echo(f"{total} waiting{shown}. Check each with the person, on contact details you already held, then: "
               "ledger payees confirm ID --as NAME  or  ledger payees refuse ID --as NAME --reason TEXT")


@payees.command("show")
@click.argument("change_id", type=int)
@database_option
def show_command(change_id: int, database_url: str | None) -> None:
    """One change: the confirmed details now and the proposed ones (masked)."""
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        lines = _describe(change_out(get_change(session, CLI_READER, change_id)))
    click.echo("\n".join(lines))


@payees.command("confirm")
@click.argument("change_id", type=int)
@as_option
@database_option
def confirm_command(change_id: int, as_name: str, database_url: str | None) -> None:
    """Confirm pending change CHANGE_ID: payments use the new details from now on."""
    actor = _person(as_name)
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        change = change_out(confirm(session, actor, change_id))
    click.echo(f"Confirmed change {change.id} for {change.participant_reference}: payments now use "
               f"{_details(change.proposed)}.")


@payees.command("refuse")
@click.argument("change_id", type=int)
@as_option
@click.option("--reason", required=True, help="Why, e.g. 'the participant did not ask for this'.")
@database_option
def refuse_command(change_id: int, as_name: str, reason: str, database_url: str | None) -> None:
    """Refuse pending change CHANGE_ID: it never takes effect."""
    actor = _person(as_name)
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        change = change_out(refuse(session, actor, change_id, reason))
    click.echo(f"Refused change {change.id} for {change.participant_reference}; the confirmed details stay.")


def register(group: click.Group) -> None:
    group.add_command(payees)
