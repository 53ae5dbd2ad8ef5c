"""Importing people: the same rules as adding them by hand, bank details only as a pending change."""

from __future__ import annotations

from typing import Any

import pytest
from involvement.support import ADMIN, FINANCE, LEAD, participant, project
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db.models import AuditEvent, Participant, PayeeChange, Role
from ledger.imports import run_import
from ledger.involvement.payee_changes import confirm, pending_for
from ledger.security.actor import Actor

from .files import csv_bytes, xlsx_bytes

HEADINGS = ["Name ", "Preferred name", "E-mail address", "Payment choice", "Name on bank account", "Sort code",
            "Account number", "Charity", "Statement style", "Projects"]


def people_rows() -> list[list[Any]]:
    return [
        HEADINGS,
        ["Ann Example  ", "Annie", "ann@example.org", "Bank transfer", "A EXAMPLE", "12-34-56", "12345678", None,
         "Large print", "STEER"],  # 2
        ["Bob Example", None, None, "voucher", None, None, None, None, None, "steer"],  # 3
        [None, None, None, None, None, None, None, None, None, None],  # 4: blank
        ["Cat Example", None, "cat@example.org", "charity", None, None, None, "Mind in Leeds", "easy read", None],  # 5
        ["Ann Example", "Annie", "ANN@example.org", "bank", "A EXAMPLE", "12-34-56", "12345678", None, None,
         "STEER"],  # 6: Ann again
    ]


def total(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_people_are_added_with_bank_details_only_as_a_pending_change(session: Session) -> None:
    project(session, "STEER")
    before = (total(session, Participant), total(session, PayeeChange))
    report = run_import(session, LEAD, "participants", xlsx_bytes(people_rows()), dry_run=False)
    assert report.problems == [] and report.saved, report.problems
    assert (report.added.participants, report.added.payee_changes) == (3, 2)
    assert [(n.row, n.note) for n in report.already_there] == [(6, "repeats row 2 (the same person)")]
    assert (total(session, Participant) - before[0], total(session, PayeeChange) - before[1]) == (3, 2)
    ann = session.scalars(select(Participant).where(Participant.email == "ann@example.org")).one()
    assert ann.name == "Ann Example" and ann.preferred_name == "Annie" and ann.statement_style == "large_print"
    assert ann.bank_account_number is None, "imported bank details are not in effect before a second person"
    change = pending_for(session, ann.id)
    assert change is not None and change.proposed_by == LEAD.name and change.bank_account_number == "12345678"
    confirm(session, FINANCE, change.id)  # the usual four eyes
    assert ann.bank_account_number == "12345678"
    cat = session.scalars(select(Participant).where(Participant.email == "cat@example.org")).one()
    cat_change = pending_for(session, cat.id)
    assert cat_change is not None and cat_change.organisation_name == "Mind in Leeds"
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "import.participants")).one()
    assert event.after is not None and event.after["added"]["participants"] == 3
    assert "12345678" not in str(event.after)

    again = run_import(session, LEAD, "participants", xlsx_bytes(people_rows()), dry_run=False)
    assert again.problems == [] and not again.saved and again.added.participants == 0
    assert [n.row for n in again.already_there] == [2, 3, 5, 6]
    assert again.already_there[0].note == f"already in the ledger as {ann.reference}"


def test_every_problem_of_every_row_is_named_and_nothing_is_kept(session: Session) -> None:
    project(session, "STEER")
    rows = [HEADINGS,
            ["Dee Example", None, "not-an-email", "bank transfer", "D EXAMPLE", 123456, 1234567, None, None, "STEER"],
            ["Eve Example", None, None, "cheque", None, None, None, None, "tiny print", "NOPE"],
            [None, None, None, "voucher", None, None, None, None, None, None]]
    before = total(session, Participant)
    report = run_import(session, ADMIN, "participants", csv_bytes(rows), dry_run=False)
    assert not report.saved and total(session, Participant) == before
    found = {(p.row, p.column): p for p in report.problems}
    assert set(found) == {(2, "C"), (2, "G"), (3, "D"), (3, "I"), (3, "J"), (4, "A")}, report.problems
    assert "an e-mail address we can send to" in found[(2, "C")].message
    assert "8 digits" in found[(2, "G")].message
    assert found[(2, "G")].what_to_do is not None and "leading 0" in found[(2, "G")].what_to_do
    assert "bank transfer" in (found[(3, "D")].what_to_do or "")
    assert "no project with the code 'NOPE'" in found[(3, "J")].message
    assert "name is missing" in found[(4, "A")].message


def test_a_name_two_people_share_is_an_error_and_a_lead_must_name_their_project(session: Session) -> None:
    steer = project(session, "STEER")
    project(session, "OTHER")
    participant(session, name="Sam Twin")
    participant(session, name="Sam Twin")
    rows = [["Name", "Payment choice", "Projects"], ["Sam Twin", "voucher", "STEER"], ["New Person", "voucher", None],
            ["Other Person", "voucher", "OTHER"]]
    lead = Actor(token_id=50, name="Lee Scoped", role=Role.LEAD, project_ids=(steer.id,))
    report = run_import(session, lead, "participants", csv_bytes(rows), dry_run=True)
    found = {(p.row, p.column): p.message for p in report.problems}
    assert set(found) == {(3, "C"), (4, "C")}, report.problems  # a lead sees neither Sam Twin: both new to them
    assert "name at least one of your projects" in found[(3, "C")]
    assert "may not work on project" in found[(4, "C")]
    admin = run_import(session, ADMIN, "participants", csv_bytes(rows[:2]), dry_run=True)
    assert "2 people called 'Sam Twin'" in admin.problems[0].message


@pytest.mark.parametrize("actor", [FINANCE, Actor(token_id=8, name="Pat", role=Role.PARTICIPANT, participant_id=1)])
def test_finance_and_participants_may_not_import_people(session: Session, actor: Actor) -> None:
    from ledger.errors import Forbidden

    with pytest.raises(Forbidden):
        run_import(session, actor, "participants", csv_bytes(people_rows()), dry_run=True)


def test_a_project_named_for_the_whole_file_is_the_one_people_join(session: Session) -> None:
    steer = project(session, "STEER")
    lead = Actor(token_id=51, name="Lee Scoped", role=Role.LEAD, project_ids=(steer.id,))
    rows = [["Name", "Payment choice"], ["Val New", "voucher"]]
    refused = run_import(session, lead, "participants", csv_bytes(rows), dry_run=True)
    assert "name at least one of your projects" in refused.problems[0].message
    report = run_import(session, lead, "participants", csv_bytes(rows), dry_run=False, project="steer")
    assert report.saved and report.added.participants == 1, report.problems
    from ledger.involvement.membership import projects_of

    person = session.scalars(select(Participant).where(Participant.name == "Val New")).one()
    assert projects_of(session, person.id) == [steer.id]


def test_a_row_with_two_addresses_or_a_header_in_its_e_mail_is_refused(session: Session) -> None:
    """The import uses the one address rule the message worker applies (not just "has an @")."""
    project(session, "STEER")
    rows = [HEADINGS,
            ["Fay Example", None, "fay@example.org, gus@example.org", "voucher", None, None, None, None, None, "STEER"],
            ["Gus Example", None, "gus@example.org\r\nBcc: x@example.org", "voucher", None, None, None, None, None,
             "STEER"],
            ["Hal Example", None, "hal@example.org", "voucher", None, None, None, None, None, "STEER"]]
    before = total(session, Participant)
    report = run_import(session, ADMIN, "participants", xlsx_bytes(rows), dry_run=False)
    assert not report.saved and total(session, Participant) == before
    assert [(p.row, p.column) for p in report.problems] == [(2, "C"), (3, "C")], report.problems
    assert all("an e-mail address we can send to" in p.message for p in report.problems)
