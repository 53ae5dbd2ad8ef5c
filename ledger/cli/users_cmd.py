"""``ledger users invite|list|reinvite|change|disable|code``: web accounts and participants' sign-in codes.

Links and codes are printed once (only hashes are stored); put them in front of the person yourself, or let
the messages feature e-mail them. The address in links comes from ``LEDGER_WEB_ADDRESS``.
"""

from __future__ import annotations

from datetime import datetime

import click
from sqlalchemy.orm import Session

from ledger import settings
from ledger.cli.common import fail
from ledger.cli.db_cmd import cli_errors, database_option, existing_database_session
from ledger.cli.participants_cmd import find_participant_id
from ledger.db.models_web import WebUser
from ledger.messages.sign_in import email_invitation
from ledger.security.actor import Actor
from ledger.users import accounts, codes, invitations
from ledger.users.accounts import STAFF_ROLES
from ledger.users.settings import web_address

CLI_ACTOR = Actor.system("command line")
ROLE_CHOICE = click.Choice([role.value for role in STAFF_ROLES], case_sensitive=False)


def _when(moment: datetime | None) -> str:
    return f"{moment:%-d %b %Y %H:%M} UTC" if moment else "never"


def find_user(session: Session, given: str) -> WebUser:
    """An account by id (``3``) or e-mail address (any capitals)."""
    text = given.strip()
    by_id = text.isascii() and text.isdigit()
    user = session.get(WebUser, int(text)) if by_id else accounts.find_by_email(session, text)
    if user is None:
        fail(f"there is no account {given!r}; give an id or email address from 'ledger users list'")
    return user


def _print_link(invited: invitations.Invited, address: str) -> None:
    click.echo(f"Send them this link. It works once, until {_when(invited.expires_at)}:", err=True)
    click.echo(address + invited.link_path)


@click.group("users")
def users_group() -> None:
    """People who sign in to the web interface, and participants' sign-in codes."""


@users_group.command("invite")
@click.option("--email", required=True, help="Their work email address (they sign in with it).")
@click.option("--name", required=True, help="Their full name, e.g. 'Sam Patel'.")
@click.option("--role", required=True, type=ROLE_CHOICE, help="What they may do.")
@click.option("--project", "projects", multiple=True, metavar="CODE",
              help="Limit a lead to this project (repeat for more). Default: every project.")
@click.option("--send-email", is_flag=True, help="Also e-mail the link to them (see docs/messages.md).")
@database_option
def invite_command(email: str, name: str, role: str, projects: tuple[str, ...], send_email: bool,
                   database_url: str | None) -> None:
    """Create an account and print the single-use link with which they choose their password."""
    url = settings.database_url(database_url)
    with cli_errors(url):
        address = web_address()
        with existing_database_session(url) as session:
            invited = invitations.invite(session, CLI_ACTOR, email=email, name=name, role=role.lower(),
                                         projects=projects)
            if send_email:
                email_invitation(session, invited, address)
            scope = ", ".join(accounts.project_codes(session, invited.user.project_ids))
    limits = f" for {scope}" if scope else ""
    click.echo(f"Invited {invited.user.name} <{invited.user.email}> as {invited.user.role}{limits}.", err=True)
    if send_email:
        click.echo("The link is also queued to be e-mailed to them.", err=True)
    _print_link(invited, address)


@users_group.command("reinvite")
@click.argument("user")
@click.option("--send-email", is_flag=True, help="Also e-mail the new link to them.")
@database_option
def reinvite_command(user: str, send_email: bool, database_url: str | None) -> None:
    """A new link for USER (id or email) to set a password: a lost invitation or a forgotten password.

    Any older link stops working. Setting a new password signs them out everywhere.
    """
    url = settings.database_url(database_url)
    with cli_errors(url):
        address = web_address()
        with existing_database_session(url) as session:
            invited = invitations.reinvite(session, CLI_ACTOR, find_user(session, user).id)
            if send_email:
                email_invitation(session, invited, address)
    _print_link(invited, address)


@users_group.command("list")
@database_option
def list_command(database_url: str | None) -> None:
    """Every account: role, projects, status and last sign-in (never a password)."""
    url = settings.database_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        rows = accounts.user_rows(session)
    if not rows:
        click.echo("No accounts yet. Invite someone with: ledger users invite --email EMAIL --name NAME --role ROLE")
        return
    header = ("ID", "NAME", "EMAIL", "ROLE", "PROJECTS", "STATUS", "LAST SIGN-IN")
    table = [header, *[(str(r.id), r.name, r.email, r.role, ", ".join(r.projects) or ("all" if r.role == "lead"
                        else "-"), r.status, _when(r.last_signed_in_at)) for r in rows]]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    for line in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip())


@users_group.command("change")
@click.argument("user")
@click.option("--role", required=True, type=ROLE_CHOICE, help="The new role.")
@click.option("--project", "projects", multiple=True, metavar="CODE",
              help="Limit a lead to this project (repeat for more). Default: every project.")
@database_option
def change_command(user: str, role: str, projects: tuple[str, ...], database_url: str | None) -> None:
    """Change USER's role and projects (id or email). It takes effect on their next page."""
    url = settings.database_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        changed = accounts.change_user(session, CLI_ACTOR, find_user(session, user).id, role=role.lower(),
                                       projects=projects)
        scope = ", ".join(accounts.project_codes(session, changed.project_ids))
    click.echo(f"{changed.name} is now {changed.role}" + (f" for {scope}." if scope else "."))


@users_group.command("disable")
@click.argument("user")
@database_option
def disable_command(user: str, database_url: str | None) -> None:
    """Disable USER (id or email): they are signed out everywhere at once and cannot sign in."""
    url = settings.database_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        done = accounts.disable_user(session, CLI_ACTOR, find_user(session, user).id)
    click.echo(f"Disabled {done.name}'s account. Any open sessions have ended.")


@users_group.command("code")
@click.option("--participant", required=True, metavar="REFERENCE",
              help="The participant, by reference (P-0012) or id.")
@database_option
def code_command(participant: str, database_url: str | None) -> None:
    """A sign-in code and link for a participant: either works once, for 7 days. Read out or print them."""
    url = settings.database_url(database_url)
    with cli_errors(url):
        address = web_address()
        with existing_database_session(url) as session:
            issued = codes.issue_code(session, CLI_ACTOR, find_participant_id(session, participant))
    click.echo(f"Sign-in code for {issued.reference} (works once, until {_when(issued.expires_at)}):", err=True)
    click.echo(f"  code: {issued.code}   (at {address}/sign-in/code)")
    click.echo(f"  link: {address}{issued.link_path}")


def register(group: click.Group) -> None:
    group.add_command(users_group)
