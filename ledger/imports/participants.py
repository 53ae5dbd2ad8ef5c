"""Rows of people -> participants, through ``create_participant`` (the API's service).

So an imported person is held to every rule of one typed in by hand, and their bank details or payee
organisation become the usual PENDING payee change: nobody is paid with imported bank details until a
second person (finance or an administrator) has checked and confirmed them.

A row is left out, and said so, when the person is already in the ledger: the same reference, the same
email, or (for a row without an email) the same name. A name shared by two people already in the ledger
is an error (say which one with the reference). Nothing about an existing person is changed by an import.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db.models import PaymentPreference, Project, StatementStyle
from ledger.errors import Forbidden, Invalid
from ledger.imports.activities import People
from ledger.imports.run import ImportRun
from ledger.imports.values import CellProblem, choose, squash, text
from ledger.involvement.participants import create_participant
from ledger.involvement.payee_changes import pending_for
from ledger.involvement.schemas import BankIn, OrganisationIn, ParticipantCreate
from ledger.security.actor import Actor

PAYMENT_CHOICES = {
    **{squash(p.value): p.value for p in PaymentPreference},
    "bank": "bank_transfer", "bacs": "bank_transfer", "bank account": "bank_transfer", "transfer": "bank_transfer",
    "vouchers": "voucher", "gift voucher": "voucher", "gift card": "voucher",
    "charity": "organisation", "organization": "organisation", "employer": "organisation",
    "pay organisation": "organisation", "expenses": "expenses_only", "expenses only": "expenses_only",
    "declined": "decline", "no payment": "decline", "volunteer": "decline", "unpaid": "decline", "none": "decline",
}
STYLES = {**{squash(s.value): s.value for s in StatementStyle}, "large": "large_print", "easy": "easy_read",
          "easyread": "easy_read", "normal": "standard", "standard print": "standard"}
WHERE = {
    "name": "name", "preferred_name": "preferred_name", "email": "email", "phone": "phone",
    "payment_preference": "payment_preference", "statement_style": "statement_style",
    "bank": "bank_account_number", "bank.account_name": "bank_account_name", "bank.sort_code": "bank_sort_code",
    "bank.account_number": "bank_account_number", "organisation": "organisation_name",
    "organisation.name": "organisation_name", "organisation.reference": "organisation_reference",
    "projects": "projects",
}
LEADING_ZERO = ("the cell holds a number, so a leading 0 may have been lost: format the column as text and type "
                "the digits again")


class ParticipantImporter:
    def __init__(self, session: Session, actor: Actor, run: ImportRun, *, default_project: str | None = None) -> None:
        self.session, self.actor, self.run = session, actor, run
        self.default_project = default_project  # for rows whose Projects cell is blank
        self.people = People(session, actor)
        self.added_by_row: dict[int, int] = {}  # participant id -> the row of this file that added them
        self.projects: dict[str, int | CellProblem] = {}

    def add_row(self, row: int, cells: list[Any]) -> None:
        run = self.run
        before = len(run.problems)
        name = text(run.cell(cells, "name"))
        email = text(run.cell(cells, "email")) or None
        if not name:
            run.problem(row, "name", "the name is missing", "write the person's full name")
        if self._already_there(row, cells, name, email):
            return
        payment = "decline"
        try:
            if run.cell(cells, "payment_preference") is None:
                run.problem(row, "payment_preference", "the payment choice is missing",
                            "write bank transfer, voucher, organisation, expenses only or decline")
            else:
                payment = choose(run.cell(cells, "payment_preference"), PAYMENT_CHOICES, "payment choice")
        except CellProblem as exc:
            run.cell_problem(row, "payment_preference", exc)
        style = "standard"
        if run.cell(cells, "statement_style") is not None:
            try:
                style = choose(run.cell(cells, "statement_style"), STYLES, "statement style")
            except CellProblem as exc:
                run.cell_problem(row, "statement_style", exc)
        projects = self._projects(row, cells)
        if len(run.problems) > before:
            return
        bank_cells = [run.cell(cells, key) for key in ("bank_account_name", "bank_sort_code", "bank_account_number")]
        bank = BankIn(*(text(value) for value in bank_cells)) if any(v is not None for v in bank_cells) else None
        organisation = (OrganisationIn(name=text(run.cell(cells, "organisation_name")),
                                       reference=text(run.cell(cells, "organisation_reference")) or None)
                        if run.cell(cells, "organisation_name") is not None
                        or run.cell(cells, "organisation_reference") is not None else None)
        data = ParticipantCreate(
            name=name, payment_preference=payment,  # type: ignore[arg-type]  # checked by choose()
            preferred_name=text(run.cell(cells, "preferred_name")) or None, email=email,
            phone=text(run.cell(cells, "phone")) or None, bank=bank, organisation=organisation,
            statement_style=style,  # type: ignore[arg-type]
            projects=projects,
        )
        try:
            person = create_participant(self.session, self.actor, data)
        except Forbidden as exc:
            run.problem(row, "projects" if "projects" in run.headings else None, exc.detail,
                        "name one of your own projects, or ask an administrator")
            return
        except Invalid as exc:
            run.service_problems(row, exc, WHERE)
            self._hint_leading_zeros(row, cells, before)
            return
        self.people.add(person)
        self.added_by_row[person.id] = row
        run.added.participants += 1
        if pending_for(self.session, person.id) is not None:
            run.added.payee_changes += 1
        run.added_rows.append(row)

    def finish(self) -> None:
        """Nothing is left to check once every row has been read."""

    def _already_there(self, row: int, cells: list[Any], name: str, email: str | None) -> bool:
        run, people = self.run, self.people
        reference = text(run.cell(cells, "reference"))
        if reference:
            person = people.by_reference.get(reference.upper())
            if person is None:
                run.problem(row, "reference", f"no participant with the reference {reference} is in the ledger "
                                              "(or one you may see)",
                            "leave the reference blank for someone new: the ledger gives them one")
                return True
            self._left_out(row, person.id, person.reference)
            return True
        if email:
            same_email = people.by_email.get(email.casefold(), [])
            if len(same_email) == 1:
                self._left_out(row, same_email[0].id, same_email[0].reference)
                return True
            if len(same_email) > 1:
                run.problem(row, "email", "this email belongs to more than one person in the ledger ("
                            + ", ".join(p.reference for p in same_email) + ")",
                            "write the person's reference in a Reference column, or leave the row out")
                return True
            return False
        if not name:
            return False
        same_name = people.by_name.get(squash(name), [])
        if len(same_name) == 1:
            self._left_out(row, same_name[0].id, same_name[0].reference)
            return True
        if len(same_name) > 1:
            run.problem(row, "name", f"{len(same_name)} people called {name!r} are already in the ledger ("
                        + ", ".join(p.reference for p in same_name) + ")",
                        "add their email or reference so the ledger can tell who this row is about")
            return True
        return False

    def _left_out(self, row: int, person_id: int, reference: str) -> None:
        earlier = self.added_by_row.get(person_id)
        if earlier is not None:
            self.run.left_out(row, f"repeats row {earlier} (the same person)")
        else:
            self.run.left_out(row, f"already in the ledger as {reference}")

    def _projects(self, row: int, cells: list[Any]) -> list[int]:
        written = text(self.run.cell(cells, "projects")) or (self.default_project or "")
        found: list[int] = []
        for code in filter(None, (part.strip() for part in written.replace(";", ",").split(","))):
            project = self.projects.get(code.casefold())
            if project is None:
                project_row = self.session.scalar(select(Project).where(func.lower(Project.code) == code.casefold()))
                project = project_row.id if project_row is not None else CellProblem(
                    f"there is no project with the code {code!r}", "use the project's code as the ledger has it")
                self.projects[code.casefold()] = project
            if isinstance(project, CellProblem):
                self.run.cell_problem(row, "projects", project)
            else:
                found.append(project)
        return found

    def _hint_leading_zeros(self, row: int, cells: list[Any], before: int) -> None:
        """A sort code of 5 digits or an account number of 7 has most likely lost its leading 0 in a
        spreadsheet that took it for a number: say so instead of only "must be 8 digits"."""
        for problem in self.run.problems[before:]:
            for key, one_short in (("bank_sort_code", 5), ("bank_account_number", 7)):
                heading = self.run.headings.get(key)
                value = self.run.cell(cells, key)
                if (heading is not None and problem.column == heading.letter
                        and (isinstance(value, int | float) or (text(value).isdigit()
                                                                 and len(text(value)) == one_short))):
                    problem.what_to_do = LEADING_ZERO
