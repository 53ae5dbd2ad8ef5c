"""``ledger audit verify`` and ``ledger audit anchor``: check the keyed hash chain, and write down where
it ends so that cutting off the newest events can be caught later."""

from __future__ import annotations

import json

import click

from ledger.audit import anchor_for, read_anchors, verify_chain
from ledger.cli.audit_report import echo_intact, fail_broken
from ledger.cli.db_cmd import cli_errors, database_option, describe_url, existing_database_session, resolve_url


@click.group("audit")
def audit_group() -> None:
    """Check the audit trail and take anchors of it."""


@audit_group.command("verify")
@click.option(
    "--anchor",
    "anchor_text",
    metavar="LINE_OR_FILE",
    default=None,
    help="An anchor line printed by `ledger audit anchor` (quote it), its --json form, or a file of anchor "
    "lines (every one is checked). Catches deleted newest events and an emptied trail.",
)
@database_option
def verify_command(anchor_text: str | None, database_url: str | None) -> None:
    """Exit 0 if every audit event is intact (and matches every anchor given); exit 1 naming the first
    event that was changed or removed."""
    url = resolve_url(database_url)
    with cli_errors(url):
        anchors = read_anchors(anchor_text) if anchor_text is not None else []
        with existing_database_session(url) as session:
            result = verify_chain(session, anchors=anchors)
    if not result.ok:
        fail_broken(result, f"database {describe_url(url)}")
    echo_intact(result)
    if not anchors:
        click.echo("(no anchor given: removal of the newest events is only caught with --anchor)")


@audit_group.command("anchor")
@click.option("--json", "as_json", is_flag=True, help="Print the anchor as one line of JSON.")
@database_option
def anchor_command(as_json: bool, database_url: str | None) -> None:
    """Print one line with the trail's length, last event and last hash, and the time: keep it elsewhere.

    Print it, email it to your auditor or paste it into a ticket every month. Later,
    ``ledger audit verify --anchor "<the line>"`` proves the trail still reaches that far unchanged.
    The trail is verified first: an anchor of a broken trail would be worthless.
    """
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        result = verify_chain(session)
    if not result.ok:
        fail_broken(result, f"database {describe_url(url)}")
    anchor = anchor_for(result)
    click.echo(json.dumps(anchor.as_json(), sort_keys=True) if as_json else anchor.line())


def register(group: click.Group) -> None:
    group.add_command(audit_group)
