"""``ledger setup``: the organisation's name, contact person, address and bank details, set once.

Why a command: statements, payment advice and bank files name the organisation and a contact person
people can ask. They are set here once and stored in the database (``ledger.organisation``); a
document that needs one that is missing stops with "set the organisation's details with `ledger setup`".

Run it with no options to be asked for each detail (the stored value, if any, is the default), or give
every detail as an option with ``--no-input`` in scripts.
"""

from __future__ import annotations

import os

import click

from ledger.banknames import bank_form
from ledger.cli.db_cmd import cli_errors, database_option, existing_database_session, resolve_url
from ledger.organisation import KEYS, LABELS, Organisation, read_settings, save_organisation
from ledger.security.actor import Actor

PROMPTS: dict[str, str] = {
    "name": "Organisation name (as on letters)",
    "contact_name": "Contact person people can ask",
    "contact_phone": "Contact phone number",
    "contact_email": "Contact email",
    "postal_address": "Postal address (separate lines with commas)",
    "payer_name": "Payer name on bank files (up to 18 capitals, e.g. NORTHSHIRE HCT)",
    "reference_prefix": "Bank reference prefix (2-6 capitals, e.g. NHC gives 'NHC PAY B0010')",
}


def suggested(key: str, name: str) -> str | None:
    """A first answer worked out from the organisation's name: "NORTHSHIRE HEALTH " for the payer name
    (bank letters, 18 at most), "NHAC" (initials) for the reference prefix. Only a suggestion to accept."""
    letters = bank_form(name)
    if key == "payer_name":
        return letters[:18].strip() or None
    initials = "".join(word[0] for word in letters.split() if word[0].isalnum())[:6]
    return initials if len(initials) >= 2 else None


def show(organisation: Organisation) -> None:
    for key in KEYS:
        click.echo(f"{LABELS[key].capitalize()}: {getattr(organisation, key)}")


@click.command("setup")
@click.option("--name", default=None, help="The organisation's name as printed on letters.")
@click.option("--contact-name", default=None, help="The person participants and payees can ask.")
@click.option("--contact-phone", default=None, help="The contact's phone number.")
@click.option("--contact-email", default=None, help="The contact's email address.")
@click.option("--address", "postal_address", default=None,
              help="Postal address; separate lines with commas.")
@click.option("--payer-name", default=None, help="Short payer name on bank files (up to 18 capitals).")
@click.option("--reference-prefix", default=None,
              help="Start of every bank reference, 2 to 6 capitals or digits (NHC gives 'NHC PAY B0010').")
@click.option("--no-input", is_flag=True, help="Never ask: keep stored values for details not given (scripts).")
@click.option("--show", "show_only", is_flag=True, help="Print the stored details and change nothing.")
@database_option
def setup_command(
    name: str | None,
    contact_name: str | None,
    contact_phone: str | None,
    contact_email: str | None,
    postal_address: str | None,
    payer_name: str | None,
    reference_prefix: str | None,
    no_input: bool,
    show_only: bool,
    database_url: str | None,
) -> None:
    """Set the organisation's name, contact person, phone, email, address and bank-file payer name."""
    given = {
        "name": name,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "contact_email": contact_email,
        "postal_address": postal_address,
        "payer_name": payer_name,
        "reference_prefix": reference_prefix,
    }
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        stored = read_settings(session)
        if show_only:
            if not stored:
                click.echo("Nothing is set yet. Run: ledger setup")
                return
            for key in KEYS:
                click.echo(f"{LABELS[key].capitalize()}: {stored.get(key, '(not set)')}")
            return
        values: dict[str, str] = {}
        for key in KEYS:
            value = given[key]
            if value is None:
                current = stored.get(key)
                if current is None and key == "name":
                    # The old environment variable, if someone set it, is a sensible first answer.
                    current = (os.environ.get("LEDGER_ORGANISATION_NAME") or "").strip() or None
                derived = key in ("payer_name", "reference_prefix")
                if current is None and derived and not no_input and values.get("name"):
                    current = suggested(key, values["name"])
                if no_input:
                    value = current or ""
                else:
                    value = click.prompt(PROMPTS[key], default=current, show_default=current is not None)
            values[key] = value or ""
        organisation = save_organisation(session, values, Actor.system("ledger setup"))
    click.echo("Saved the organisation's details:")
    show(organisation)


def register(group: click.Group) -> None:
    group.add_command(setup_command)
