"""The demo's web accounts: one person for each kind of user, so the web interface can be tried at once.

Staff accounts get the demo password (printed: this is a demo, never do this with real accounts); a
participant gets a sign-in code and link, as a lead would give them. Everything is written to
``<out>/web-sign-in.txt`` and ``ledger demo`` ends by printing it (:func:`sign_in_text`).

Codes run out 7 days after the demo is built (real time, not the story's winter), so a fresh demo always
has a working one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.db.models import Participant
from ledger.db.models_web import UserStatus
from ledger.demo.data import PROJECTS
from ledger.security.actor import Actor
from ledger.users import codes
from ledger.users.accounts import create_user
from ledger.users.passwords import hash_password
from ledger.users.settings import DEFAULT_WEB_ADDRESS

if TYPE_CHECKING:
    from ledger.demo.run import Demo, DemoSummary

DEMO_PASSWORD = "winter demo ledger"
FILE_NAME = "web-sign-in.txt"


@dataclass(frozen=True)
class DemoAccount:
    name: str
    email: str
    role: str
    projects: tuple[str, ...]
    what: str


ACCOUNTS = (
    DemoAccount("Alex Morgan", "alex.morgan@demo.example", "admin", (), "administrator: people and tokens"),
    DemoAccount("Amira Khan", "amira.khan@demo.example", "lead", (), "co-production lead, every project"),
    DemoAccount("Ben Osei", "ben.osei@demo.example", "lead", (PROJECTS[1].code,),
                f"co-production lead, only {PROJECTS[1].code}"),
    DemoAccount("Chloe Wright", "chloe.wright@demo.example", "finance", (), "finance officer"),
    DemoAccount("Eve Ahmed", "eve.ahmed@demo.example", "auditor", (), "manager / auditor (reads reports)"),
)


def make_web_users(demo: Demo) -> None:
    """Create the demo accounts and a participant's sign-in code; write the sign-in sheet."""
    admin = Actor.system("demo administrator")
    password_hash = hash_password(DEMO_PASSWORD)  # one hash for all: argon2 is slow on purpose

    def accounts(session: Session) -> None:
        for account in ACCOUNTS:
            user = create_user(session, admin, email=account.email, name=account.name, role=account.role,
                               projects=account.projects)
            user.password_hash, user.status = password_hash, UserStatus.ACTIVE

    def participant_code(session: Session) -> tuple[str, codes.IssuedCode]:
        person = session.scalars(select(Participant).where(Participant.erased_at.is_(None))
                                 .order_by(Participant.id)).first()
        assert person is not None, "the demo makes participants before web users"
        return person.preferred_name or person.name, codes.issue_code(session, admin, person.id)

    demo.run(accounts)
    name, issued = demo.run(participant_code)
    write_sheet(demo.out / FILE_NAME, name, issued)


def write_sheet(path: Path, participant_name: str, issued: codes.IssuedCode) -> None:
    address = DEFAULT_WEB_ADDRESS
    width = max(len(a.email) for a in ACCOUNTS)
    lines = [
        f"Open the web interface: ledger serve --database sqlite:///{(path.parent / 'demo.db').resolve()}",
        f"then go to {address}/sign-in",
        "",
        f"Staff (email address and the demo password '{DEMO_PASSWORD}'):",
        *[f"  {a.email.ljust(width)}  {a.name}, {a.what}" for a in ACCOUNTS],
        "",
        f"Participant {participant_name} ({issued.reference}): sign-in code {issued.code} at {address}/sign-in/code",
        f"  or the link {address}{issued.link_path}",
        f"  (works once, until {issued.expires_at:%-d %B %Y}; a lead makes a new one on the person's page)",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def sign_in_text(summary: DemoSummary) -> str:
    """What ``ledger demo`` prints last: how to open the web interface and sign in as each kind of user."""
    sheet = summary.out / FILE_NAME
    if not sheet.exists():
        return f"Next: ledger serve --database sqlite:///{summary.database.resolve()} and open {DEFAULT_WEB_ADDRESS}"
    return sheet.read_text(encoding="utf-8").rstrip()
