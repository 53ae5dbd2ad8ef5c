"""``ledger audit verify``: recompute the audit trail's hash chain and say whether it is intact."""

from __future__ import annotations

import click

from ledger.audit import verify_chain
from ledger.cli.db_cmd import cli_errors, database_option, describe_url, existing_database_session, resolve_url


@click.group("audit")
def audit_group() -> None:
    """Check the audit trail."""


@audit_group.command("verify")
@database_option
def verify_command(database_url: str | None) -> None:
    """Exit 0 if every audit event is intact; exit 1 naming the first event that was changed or removed."""
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        result = verify_chain(session)
    if result.ok:
        click.echo(f"audit chain intact: {result.count} events")
        click.echo(f"last hash: {result.last_hash} (keep a copy elsewhere to detect removal of the newest events)")
        return
    click.echo(f"audit chain BROKEN at event {result.first_bad_id}: {result.problem}", err=True)
    click.echo(f"{result.count} events before it are intact (database {describe_url(url)}).", err=True)
    raise SystemExit(1)


def register(group: click.Group) -> None:
    group.add_command(audit_group)
