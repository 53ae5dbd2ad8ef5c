"""The paying organisation's details, set once with ``ledger setup`` and read by every document.

Why in the database and not an environment variable: statements, payment advice and bank files must all
name the same organisation and the same contact person, and a missing detail must stop the first
document that needs it with a message saying how to set it, never print a placeholder. Before this the
name came from an environment variable nobody was told about, and letters came "from Involvement ledger".

Settings are rows of the ``settings`` table (migration 0009), one key per detail. :func:`get_organisation`
returns them as one frozen :class:`Organisation`; :func:`save_organisation` checks and writes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from ledger.errors import Conflict, FieldProblem, Invalid

if TYPE_CHECKING:  # plain-data modules import this one: it must not pull in the database at import time
    from sqlalchemy.orm import Session

    from ledger.security.actor import Actor

SETUP_HINT = "set the organisation's details with `ledger setup`"

#: What each detail is called when one is missing or wrong (plain words for the error message).
LABELS: dict[str, str] = {
    "name": "organisation name",
    "contact_name": "contact person",
    "contact_phone": "contact phone number",
    "contact_email": "contact email",
    "postal_address": "postal address",
    "payer_name": "payer name on bank files",
    "reference_prefix": "bank reference prefix",
}

MAX_LENGTHS: dict[str, int] = {
    "name": 200,
    "contact_name": 120,
    "contact_phone": 40,
    "contact_email": 200,
    "postal_address": 400,
    "payer_name": 18,
    "reference_prefix": 6,
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE = re.compile(r"^\+?[0-9 ()-]{6,}$")
_BANK_SAFE = re.compile(r"^[A-Z0-9 &.-]+$")
_PREFIX = re.compile(r"^[A-Z0-9]{2,6}$")


@dataclass(frozen=True, slots=True)
class Organisation:
    """Who pays, and who people ask. ``postal_address`` keeps its line breaks.

    ``payer_name`` is the short name banks show (at most 18 bank-safe capitals, e.g. "NORTHSHIRE HCT");
    ``reference_prefix`` starts every bank reference ("NHC" gives "NHC PAY B0010").
    """

    name: str
    contact_name: str
    contact_phone: str
    contact_email: str
    postal_address: str
    payer_name: str
    reference_prefix: str

    @property
    def address_lines(self) -> tuple[str, ...]:
        return tuple(line.strip() for line in self.postal_address.replace(",", "\n").splitlines() if line.strip())

    @property
    def contact_sentence(self) -> str:
        """``Ask Priya Shah on 0161 496 0000 or email involvement@example.org.``"""
        return f"Ask {self.contact_name} on {self.contact_phone} or email {self.contact_email}."


@dataclass
class OrganisationNotSet(Conflict):
    """A document needs an organisation detail nobody has set yet (HTTP 409, CLI message)."""

    title: str = "Organisation details not set"


KEYS: tuple[str, ...] = tuple(f.name for f in fields(Organisation))


def problems_with(values: dict[str, str]) -> list[FieldProblem]:
    """Every problem with a full set of details, all at once (missing, too long, wrong shape)."""
    problems: list[FieldProblem] = []
    for key in KEYS:
        value = (values.get(key) or "").strip()
        if not value:
            problems.append(FieldProblem(key, f"the {LABELS[key]} is missing"))
            continue
        if len(value) > MAX_LENGTHS[key]:
            problems.append(FieldProblem(key, f"the {LABELS[key]} is longer than {MAX_LENGTHS[key]} characters"))
    email = (values.get("contact_email") or "").strip()
    if email and not _EMAIL.match(email):
        problems.append(FieldProblem("contact_email", "the contact email does not look like name@example.org"))
    phone = (values.get("contact_phone") or "").strip()
    if phone and not _PHONE.match(phone):
        problems.append(FieldProblem("contact_phone", "the contact phone number may only have digits, spaces, "
                                                      "brackets, dashes and a leading +"))
    payer = (values.get("payer_name") or "").strip()
    if payer and not _BANK_SAFE.match(payer):
        problems.append(FieldProblem("payer_name", "the payer name on bank files may only have capital letters "
                                                   "A-Z, digits, spaces and & . -"))
    prefix = (values.get("reference_prefix") or "").strip()
    if prefix and not _PREFIX.match(prefix):
        problems.append(FieldProblem("reference_prefix", "the bank reference prefix is 2 to 6 capital letters or "
                                                         "digits, such as NHC"))
    return problems


def read_settings(session: Session) -> dict[str, str]:
    """The stored details as they are (possibly incomplete), for ``ledger setup`` to show and change."""
    from sqlalchemy import select

    from ledger.db.models import Setting

    rows = session.scalars(select(Setting).where(Setting.key.in_(KEYS))).all()
    return {row.key: row.value for row in rows}


def get_organisation(session: Session) -> Organisation:
    """The organisation's details, or :class:`OrganisationNotSet` naming each missing one.

    Every document that names the organisation or its contact calls this (statements, payment advice,
    bank files), so a missing detail stops the first document with the same message.
    """
    values = read_settings(session)
    missing = [key for key in KEYS if not (values.get(key) or "").strip()]
    if missing:
        names = ", ".join(LABELS[key] for key in missing)
        raise OrganisationNotSet(
            f"the organisation's details are not complete (missing: {names}); {SETUP_HINT}",
            [FieldProblem(key, f"the {LABELS[key]} is missing; {SETUP_HINT}") for key in missing],
        )
    return Organisation(**{key: values[key].strip() for key in KEYS})


def save_organisation(session: Session, values: dict[str, Any], actor: Actor | None = None) -> Organisation:
    """Check a full set of details and store them (the caller commits). All problems are reported at once.

    With an ``actor`` a change is written to the audit trail (before and after): the payer name and the
    reference prefix go on bank files, so who changed them, and when, must be on record.
    """
    from ledger.db.models import Setting

    before = read_settings(session)
    clean = {key: str(values.get(key) or "").strip() for key in KEYS}
    clean["payer_name"] = clean["payer_name"].upper()
    clean["reference_prefix"] = clean["reference_prefix"].upper()
    problems = problems_with(clean)
    if problems:
        detail = "; ".join(p.message for p in problems)
        raise Invalid(f"the organisation's details cannot be saved: {detail}", problems)
    for key, value in clean.items():
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value
    session.flush()
    if actor is not None and before != clean:
        from ledger.audit.chain import record_event

        record_event(session, actor, "organisation.setup", "organisation", "settings", before or None, clean)
    return Organisation(**clean)


def bank_reference(prefix: str, batch_reference: str) -> str:
    """The reference people see on their bank statement: ``NHC PAY B0010`` (at most 18 bank-safe characters).

    "PAY" says what it is (a payment from us, not an invoice); the batch reference lets finance find it.
    """
    compact = "".join(ch for ch in batch_reference if ch.isascii() and ch.isalnum())
    clean_prefix = "".join(ch for ch in prefix if ch.isascii() and ch.isalnum())[:6]
    return f"{clean_prefix} PAY {compact}".strip()[:18].upper()
