"""``ledger token create|list|revoke``: the API's bearer tokens. A secret is printed once, never again."""

from __future__ import annotations

from datetime import datetime

import click

from ledger.cli.db_cmd import (
    cli_errors,
    database_option,
    existing_database_session,
    open_engine,
    resolve_url,
)
from ledger.db.engine import make_session_factory, transaction
from ledger.db.migrate import upgrade
from ledger.db.models import ApiToken, Role
from ledger.security.tokens import create_token, list_tokens, revoke

ROLE_CHOICE = click.Choice([role.value for role in Role], case_sensitive=False)


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


def scope_text(token: ApiToken) -> str:
    if token.role == Role.PARTICIPANT:
        return f"participant {token.participant_id}"
    if token.role == Role.LEAD:
        return "projects " + ", ".join(map(str, token.project_ids)) if token.project_ids else "all projects"
    return "-"


@click.group("token")
def token_group() -> None:
    """Create, list and revoke API tokens."""


@token_group.command("create")
@click.option("--name", required=True, help="Who or what uses the token, e.g. 'Sam Patel (finance)'.")
@click.option("--role", required=True, type=ROLE_CHOICE, help="What the token may do.")
@click.option(
    "--project",
    "projects",
    type=int,
    multiple=True,
    metavar="ID",
    help="Limit a lead token to this project (repeat for more). Default: every project.",
)
@click.option(
    "--participant",
    "participant",
    type=int,
    default=None,
    metavar="ID",
    help="The participant a participant token belongs to (required for that role).",
)
@database_option
def create_command(
    name: str, role: str, projects: tuple[int, ...], participant: int | None, database_url: str | None
) -> None:
    """Create a token. The token is printed alone on the last line, and only this once."""
    url = resolve_url(database_url)
    with cli_errors(url):
        engine = open_engine(url)
        try:
            upgrade(engine)
            with transaction(make_session_factory(engine)) as session:
                token, secret = create_token(session, name, role.lower(), list(projects) or None, participant)
                scope = scope_text(token)
                limits = f", for {scope}" if scope != "-" else ""
                summary = f"Created token {token.id} ({token.name}) with role {token.role}{limits}."
        finally:
            engine.dispose()
    click.echo(summary, err=True)
    click.echo("Copy it now: it is shown only once and cannot be recovered. Keep it secret.", err=True)
    click.echo(secret)


@token_group.command("list")
@database_option
def list_command(database_url: str | None) -> None:
    """Every token with its role, scope and whether it is revoked (never the secret)."""
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        rows = [
            (
                str(t.id),
                t.name,
                t.role,
                scope_text(t),
                _when(t.created_at),
                f"revoked {_when(t.revoked_at)}" if t.revoked_at else "active",
            )
            for t in list_tokens(session)
        ]
    if not rows:
        click.echo("No tokens yet. Create one with: ledger token create --name NAME --role ROLE")
        return
    header = ("ID", "NAME", "ROLE", "SCOPE", "CREATED", "STATUS")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


@token_group.command("revoke")
@click.argument("token_id", type=int)
@database_option
def revoke_command(token_id: int, database_url: str | None) -> None:
    """Revoke a token by its ID (see ``ledger token list``). It stops working at once."""
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        token = revoke(session, token_id)
        message = f"Revoked token {token.id} ({token.name}). Requests using it are now refused."
    click.echo(message)


def register(group: click.Group) -> None:
    group.add_command(token_group)
