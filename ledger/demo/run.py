"""Build the demo ledger step by step, the way an organisation would use it over a winter.

Every step goes through the same services as the HTTP API, one transaction per step, with real
tokens for two co-production leads and two finance officers (so nobody approves their own work).
Then it writes into the output folder what each kind of user would see.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar

import msgspec
from rich.progress import Progress
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger import clock
from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade
from ledger.db.models import Activity, Batch, Participant, Record, RecordStatus, Role
from ledger.demo.data import DESCRIPTIONS, NEW_ACCOUNT, PARTICIPANTS, PROJECTS
from ledger.demo.messages import write_messages
from ledger.demo.recognition import recognise
from ledger.demo.web_users import make_web_users
from ledger.errors import Invalid
from ledger.exports.finance import get_exporter
from ledger.exports.pdf import render_remittance, render_remittance_zip, render_spend_report, render_statement
from ledger.involvement.activities import record_activity
from ledger.involvement.approval import approve_record, correct_record, reject_record, reverse_record
from ledger.involvement.participants import create_participant, update_participant
from ledger.involvement.payee_changes import confirm, pending_for
from ledger.involvement.projects import create_project
from ledger.involvement.schemas import (
    ActivityCreate,
    AttendeeIn,
    BankIn,
    CorrectionIn,
    MileageIn,
    OrganisationIn,
    ParticipantCreate,
    ParticipantUpdate,
    ProjectCreate,
    WatchLimitIn,
)
from ledger.money import Money
from ledger.organisation import save_organisation
from ledger.payments.batches import approve_batch, build_batch, mark_exported, mark_paid
from ledger.payments.returns import return_line
from ledger.rates.contract import ExpenseRequest
from ledger.reports.batch_export import batch_export_data
from ledger.reports.involvement_glance import with_glance
from ledger.reports.remittances import build_remittances
from ledger.reports.spend import project_spend, spend_csv, spend_report
from ledger.reports.statements import build_statement, statement_json
from ledger.security.actor import Actor
from ledger.security.tokens import actor_for, create_token

T = TypeVar("T")

FIRST_DAY = date(2025, 10, 6)  # activities run from October 2025...
LAST_DAY = date(2026, 2, 27)  # ...to February 2026, either side of the 16 December 2025 uplift
RECORD_TARGET = 150
# Monthly pay runs: (the day finance builds the batches, pay everything approved for activities up to).
PAY_RUNS = (
    (date(2025, 11, 14), date(2025, 11, 7)),
    (date(2025, 12, 12), date(2025, 12, 5)),
    (date(2026, 1, 16), date(2026, 1, 9)),
    (date(2026, 2, 13), date(2026, 2, 6)),
)
TAX_YEAR = (date(2025, 4, 6), date(2026, 4, 5))
FINANCE_FORMATS = ("csv", "bank-csv", "xero", "sage", "json")


@dataclass
class DemoSummary:
    database: Path
    out: Path
    projects: int = 0
    participants: int = 0
    records: dict[str, int] = field(default_factory=dict)
    batches: list[str] = field(default_factory=list)
    files: dict[str, list[Path]] = field(default_factory=dict)
    # Payees a pay run left out, with the reason (e.g. no confirmed bank details): "B-0004: P-0007 £12.00: reason".
    left_out: list[str] = field(default_factory=list)
    fees_approved: str = "0.00"
    expenses_approved: str = "0.00"
    warnings: int = 0

    def add_file(self, who: str, path: Path) -> None:
        self.files.setdefault(who, []).append(path)


class Demo:
    """One demo run against a fresh SQLite (or given) database."""

    def __init__(self, database_url: str, out: Path, progress: Progress | None = None) -> None:
        self.out = out
        engine = make_engine(database_url)
        upgrade(engine)
        self.factory: sessionmaker[Session] = make_session_factory(engine)
        self.engine = engine
        self.rng = random.Random(2025)
        self.progress = progress
        self.summary = DemoSummary(database=Path(database_url.removeprefix("sqlite:///")), out=out)
        self.project_ids: list[int] = []
        self.participant_ids: list[int] = []

    @contextmanager
    def step(self) -> Iterator[Session]:
        """One unit of work, like one API request: all of it lands, or none of it does."""
        with self.factory() as session, session.begin():
            yield session

    def run(self, action: Callable[[Session], T]) -> T:
        with self.step() as session:
            return action(session)

    def call(self, service: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """``service(session, *args, **kwargs)`` in its own transaction, as one API request would be."""
        with self.step() as session:
            return service(session, *args, **kwargs)

    # ------------------------------------------------------------------------------------ people

    def make_staff(self) -> None:
        admin = Actor.system("demo administrator")

        def tokens(session: Session) -> dict[str, Actor]:
            made = {}
            for key, name, role in (
                ("lead_a", "Amira Khan (co-production lead)", Role.LEAD),
                ("lead_b", "Ben Osei (co-production lead)", Role.LEAD),
                ("finance_a", "Chloe Wright (finance officer)", Role.FINANCE),
                ("finance_b", "Dev Patel (finance manager)", Role.FINANCE),
            ):
                token, _secret = create_token(session, name, role, actor=admin)
                made[key] = actor_for(token)
            return made

        self.staff = self.run(tokens)
        self.admin = admin

    def make_projects(self) -> None:
        for project in PROJECTS:
            created = self.call(create_project, self.admin, ProjectCreate(
                code=project.code, name=project.name, rate_card=project.rate_card, budget=project.budget,
                cost_code=project.cost_code))
            self.project_ids.append(created.id)
        self.summary.projects = len(self.project_ids)

    def make_participants(self) -> None:
        lead = self.staff["lead_a"]
        for person in PARTICIPANTS:
            data = ParticipantCreate(
                name=person.name,
                preferred_name=person.preferred_name,
                payment_preference=person.preference,  # type: ignore[arg-type]
                bank=BankIn(person.name, *person.bank) if person.bank else None,
                organisation=OrganisationIn(*person.organisation) if person.organisation else None,
                watch_limits=[WatchLimitIn(limit=key) for key in person.watch_limits],
                statement_style=person.style,  # type: ignore[arg-type]
                email=f"{person.name.split()[0].lower()}@example.org",
            )
            created = self.call(create_participant, lead, data)
            self.participant_ids.append(created.id)
            self.confirm_payee_change(created.id)
        self.summary.participants = len(self.participant_ids)

    def confirm_payee_change(self, participant_id: int) -> None:
        """Four eyes: the lead entered the bank details; a finance manager (a second person) confirms them."""

        def decide(session: Session) -> None:
            change = pending_for(session, participant_id)
            if change is not None:
                confirm(session, self.staff["finance_b"], change.id)

        self.run(decide)

    # -------------------------------------------------------------------------------- involvement

    def _attendee(self, participant_id: int, activity: str, mode: str, card: str) -> AttendeeIn:
        rng = self.rng
        involvement = rng.choice((45, 62, 90, 95, 120, 150, 180, 240, 300)) if activity != "survey" else 20
        role = "chair" if card == "nihr-style" and activity == "meeting" and rng.random() < 0.12 else "member"
        online_heavy = activity == "document_review"
        mileage = None
        expenses: list[ExpenseRequest] = []
        if mode == "in_person" and not online_heavy:
            roll = rng.random()
            if roll < 0.35:
                mileage = MileageIn("car", rng.choice((6, 12, 18, 24, 40)), 1 if rng.random() < 0.2 else 0)
            elif roll < 0.45:
                mileage = MileageIn("bicycle", rng.choice((3, 5, 8)))
            elif roll < 0.75:
                expenses.append(ExpenseRequest("public_transport", rng.choice(("3.20", "4.80", "6.40", "9.10"))))
            if rng.random() < 0.2:
                expenses.append(ExpenseRequest("parking", rng.choice(("2.50", "4.50"))))
            if involvement >= 180 and rng.random() < 0.5:
                expenses.append(ExpenseRequest("subsistence", rng.choice(("6.50", "8.95", "12.40")), "RCPT-" + str(
                    rng.randint(1000, 9999))))
            if rng.random() < 0.05:
                expenses.append(ExpenseRequest("carer", "45.00", "INV-" + str(rng.randint(100, 999))))
        return AttendeeIn(
            participant=participant_id,
            involvement_minutes=involvement,
            role=role,
            preparation_minutes=rng.choice((0, 30, 45, 60, 120)) if activity != "survey" else 0,
            follow_up_minutes=rng.choice((0, 0, 15, 30, 75)) if activity not in ("survey",) else 0,
            travel_minutes=rng.choice((0, 20, 40)) if mode == "in_person" else 0,
            mileage=mileage,
            expenses=expenses,
        )

    def record_activities(self) -> list[int]:
        """About forty activities, a few attendees each, until there are 150 records."""
        rng = self.rng
        members: dict[int, list[int]] = {i: [] for i in range(len(PROJECTS))}
        for index, person in enumerate(PARTICIPANTS):
            for project in person.projects:
                members[project].append(self.participant_ids[index])
        record_ids: list[int] = []
        day = FIRST_DAY
        lead = self.staff["lead_a"]
        while len(record_ids) < RECORD_TARGET:
            project_index = rng.randrange(len(PROJECTS))
            card = PROJECTS[project_index].rate_card
            choices = ("meeting", "meeting", "document_review", "interview_panel", "co_facilitation", "survey") \
                if card == "nihr-style" else ("meeting", "meeting", "document_review")
            activity = rng.choice(choices)
            mode = "online" if activity != "document_review" and rng.random() < 0.3 else "in_person"
            people = members[project_index][:]
            rng.shuffle(people)
            wanted = min(len(people), rng.randint(2, 6), RECORD_TARGET - len(record_ids))
            attendees = [self._attendee(pid, activity, mode, card)
                         for pid in sorted(people[:wanted])]
            data = ActivityCreate(
                project=self.project_ids[project_index], date=day, activity=activity, mode=mode,  # type: ignore[arg-type]
                description=rng.choice(DESCRIPTIONS[activity]), attendees=attendees,
            )
            with clock.as_of(day + timedelta(days=1)):
                created = self.call(record_activity, lead, data)
            self.summary.warnings += sum(len(r.quote.warnings or []) for r in created.records)
            record_ids.extend(r.id for r in created.records)
            self._tick()
            day += timedelta(days=rng.choice((3, 4, 5, 5, 6)))
            if day > LAST_DAY:
                day = FIRST_DAY + timedelta(days=rng.randrange(0, 20))
        return record_ids

    def decide(self, record_ids: list[int]) -> None:
        """Approve most, reject a few, leave the newest waiting, and reverse and correct some mistakes."""
        approver = self.staff["lead_b"]
        rng = self.rng
        dates = self.run(lambda s: dict(s.execute(
            select(Record.id, Activity.date).join(Activity, Record.activity_id == Activity.id)).tuples().all()))
        ordered = sorted(record_ids, key=lambda r: (dates[r], r))
        waiting = set(ordered[-8:])
        rejected = set(rng.sample(ordered[:-8], 6))
        for record_id in ordered:
            if record_id in waiting:
                continue
            with clock.as_of(dates[record_id] + timedelta(days=3)):
                self._decide_one(record_id, record_id in rejected)
            self._tick()
        approved = [r for r in ordered if r not in waiting and r not in rejected]
        for record_id in rng.sample(approved[:60], 4):
            with clock.as_of(dates[record_id] + timedelta(days=10)):
                self.call(reverse_record, approver, record_id,
                          "Wrong times entered: the meeting finished an hour earlier.")
        corrections = self.run(lambda s: list(s.scalars(
            select(Record).where(Record.status == RecordStatus.REVERSED).order_by(Record.id).limit(2))))
        for original in corrections:
            fixed = CorrectionIn(
                involvement_minutes=max(30, original.involvement_minutes - 60),
                role=original.role,
                preparation_minutes=original.preparation_minutes,
                follow_up_minutes=original.follow_up_minutes,
                travel_minutes=original.travel_minutes,
            )
            with clock.as_of(dates[original.id] + timedelta(days=11)):
                created = self.call(correct_record, self.staff["lead_b"], original.id, fixed)
            with clock.as_of(dates[original.id] + timedelta(days=12)):
                self.call(approve_record, self.staff["lead_a"], created.id)

    def _decide_one(self, record_id: int, reject: bool) -> None:
        approver = self.staff["lead_b"]
        if reject:
            self.run(lambda s: reject_record(
                s, approver, record_id, "Recorded twice: this person's time is already on another record."))
        else:
            result = self.run(lambda s: approve_record(s, approver, record_id))
            self.summary.warnings += len(getattr(result, "warnings", None) or [])

    # ------------------------------------------------------------------------------------ payments

    def pay(self) -> None:
        """Monthly pay runs, each paying what was approved up to the week before; one payment bounces.

        What was approved after the last run is left unpaid, so the reports show money committed.
        """
        finance, checker = self.staff["finance_a"], self.staff["finance_b"]
        bounced = False
        for number, (made_on, up_to) in enumerate(PAY_RUNS, start=1):
            last = number == len(PAY_RUNS)
            for method in ("bank_transfer", "voucher", "organisation"):
                with clock.as_of(made_on):
                    try:
                        outcome = self.call(build_batch, finance, method, up_to=up_to)
                    except Invalid:
                        continue  # nothing owed by this method this month
                batch_id = outcome.batch.id
                self.summary.left_out.extend(
                    f"{outcome.batch.reference}: {s.participant_reference} "
                    f"{Money(s.amount, s.currency).display()}: {s.reason}" for s in outcome.skipped)
                with clock.as_of(made_on + timedelta(days=1)):
                    self.call(approve_batch, checker, batch_id)
                    if not last:
                        formats: tuple[str, ...] = ("bank-csv",) if method == "bank_transfer" else ("csv",)
                    else:
                        formats = FINANCE_FORMATS if method == "bank_transfer" else ("csv", "xero", "sage", "json")
                    for fmt in formats:
                        self._export(finance, batch_id, fmt)
                paid_on = made_on + timedelta(days=3)
                with clock.as_of(paid_on):
                    self.call(mark_paid, finance, batch_id, paid_on)
                    self._remittances(batch_id, single=last, own_costs=last and method == "bank_transfer")
                if method == "bank_transfer" and number == len(PAY_RUNS) - 1 and not bounced:
                    self._bounce(batch_id, paid_on + timedelta(days=4))
                    bounced = True
        self.summary.batches = self.run(lambda s: [
            f"{b.reference}: {b.method.replace('_', ' ')}, {len(b.lines)} "
            f"{'payee' if len(b.lines) == 1 else 'payees'}, {b.status}"
            + (f" on {b.paid_on.isoformat()}" if b.paid_on else "")
            + (f" ({sum(1 for line in b.lines if line.status == 'returned')} returned)"
               if any(line.status == "returned" for line in b.lines) else "")
            for b in s.scalars(select(Batch).order_by(Batch.id))])

    def _bounce(self, batch_id: int, on: date) -> None:
        """One bank payment comes back (account closed): owed again, and paid in the next run."""
        finance = self.staff["finance_a"]

        def bounce(session: Session) -> int:
            batch = session.get(Batch, batch_id)
            assert batch is not None
            line = max(batch.lines, key=lambda item: item.id)
            return_line(session, finance, batch_id, line.id, "Account closed: returned by the bank.", booked_on=on)
            return line.participant_id

        with clock.as_of(on):
            returned_to = self.run(bounce)

            def new_account(session: Session) -> None:
                person = session.get(Participant, returned_to)
                assert person is not None
                update_participant(session, self.staff["lead_a"], returned_to,
                                   ParticipantUpdate(bank=BankIn(person.name, *NEW_ACCOUNT)))

            self.run(new_account)
            self.confirm_payee_change(returned_to)

    def _export(self, actor: Actor, batch_id: int, fmt: str) -> None:
        folder = self.out / "finance"
        folder.mkdir(parents=True, exist_ok=True)

        def write(session: Session) -> Path:
            exporter = get_exporter(fmt)
            data = batch_export_data(session, mark_exported(session, actor, batch_id, exporter.name))
            path = folder / exporter.filename(data)
            with path.open("wb") as handle:
                for chunk in exporter.iter_chunks(data):
                    handle.write(chunk)
            return path

        self.summary.add_file("finance officer", self.run(write))

    def _remittances(self, batch_id: int, *, single: bool, own_costs: bool = False) -> None:
        """Every payee's advice in one zip; with ``single``, the first payee's advice as its own PDF too.

        With ``own_costs``, also the advice of someone whose fees go to an organisation, paid back their
        own travel costs by bank transfer (the routing rule ``payable_by``): it goes to the person.
        """
        folder = self.out / "remittances"
        folder.mkdir(parents=True, exist_ok=True)
        advice = self.run(lambda s: build_remittances(s, batch_id))
        if not advice:
            return
        batch_reference = advice[0].batch_reference
        zipped = folder / f"{batch_reference}-remittances.zip"
        zipped.write_bytes(render_remittance_zip(advice))
        self.summary.add_file("payee", zipped)
        if single:
            one = folder / f"{batch_reference}_{advice[0].payee_reference}.pdf"
            one.write_bytes(render_remittance(advice[0]))
            self.summary.add_file("payee", one)
        if own_costs:
            via_organisation = {p.name for p in PARTICIPANTS if p.preference == "organisation"}
            for item in advice:
                if item.payee_name in via_organisation and not item.fees and item.expenses:
                    costs = folder / f"{batch_reference}_{item.payee_reference}-own-costs.pdf"
                    costs.write_bytes(render_remittance(item))
                    self.summary.add_file("payee", costs)
                    break

    # ------------------------------------------------------------------------------------ documents

    def statements(self) -> None:
        folder = self.out / "statements"
        folder.mkdir(parents=True, exist_ok=True)
        wanted = {"standard": 0, "large_print": 2, "easy_read": 1}  # Maggie, Priya, Daniel
        for style, index in wanted.items():
            participant_id = self.participant_ids[index]
            statement = self.call(build_statement, participant_id, *TAX_YEAR, style=style)
            stem = f"{statement.participant_reference}-{style}"
            (folder / f"{stem}.pdf").write_bytes(render_statement(statement))
            (folder / f"{stem}.json").write_bytes(statement_json(statement))
            self.summary.add_file("participant", folder / f"{stem}.pdf")
            self.summary.add_file("participant", folder / f"{stem}.json")

    def reports(self) -> None:
        folder = self.out / "reports"
        folder.mkdir(parents=True, exist_ok=True)
        everything = self.run(lambda s: with_glance(s, spend_report(s, None, *TAX_YEAR)))
        (folder / "spend-all-projects.pdf").write_bytes(render_spend_report(everything))
        (folder / "spend-all-projects.csv").write_bytes(spend_csv(everything))
        (folder / "spend-all-projects.json").write_bytes(msgspec.json.encode(everything))
        one = self.run(lambda s: with_glance(s, project_spend(s, self.project_ids[0], *TAX_YEAR)))
        (folder / f"spend-{PROJECTS[0].code}.pdf").write_bytes(render_spend_report(one))
        for name in ("spend-all-projects.pdf", "spend-all-projects.csv", "spend-all-projects.json",
                     f"spend-{PROJECTS[0].code}.pdf"):
            self.summary.add_file("manager", folder / name)

    def totals(self) -> None:
        def sums(session: Session) -> tuple[dict[str, int], int, int]:
            counts = dict(session.execute(select(Record.status, func.count()).group_by(Record.status)).all())
            fees = session.scalar(select(func.coalesce(func.sum(Record.fees_minor), 0)).where(
                Record.status == RecordStatus.APPROVED)) or 0
            expenses = session.scalar(select(func.coalesce(func.sum(Record.expenses_minor), 0)).where(
                Record.status == RecordStatus.APPROVED)) or 0
            return {str(k): int(v) for k, v in counts.items()}, int(fees), int(expenses)

        counts, fees, expenses = self.run(sums)
        self.summary.records = counts
        self.summary.fees_approved = Money.from_minor(fees, "GBP").display()
        self.summary.expenses_approved = Money.from_minor(expenses, "GBP").display()

    def _tick(self) -> None:
        if self.progress is not None and self.progress.tasks:
            self.progress.advance(self.progress.tasks[0].id)


STEPS = RECORD_TARGET * 2

#: Who the demo's letters come from and whom people ask (what ``ledger setup`` stores).
DEMO_ORGANISATION = {
    "name": "Northshire Health and Care Partnership",
    "contact_name": "Amira Khan",
    "contact_phone": "0161 496 0123",
    "contact_email": "involvement@northshire.example",
    "postal_address": "Involvement Team, 1 Riverside Way, Northtown, NT1 4AB",
    "payer_name": "NORTHSHIRE HCP",
    "reference_prefix": "NHCP",
}


def build_demo(database_url: str, out: Path, progress: Progress | None = None) -> DemoSummary:
    """Run the whole winter: people, projects, 150 records, decisions, two pay runs, documents."""
    demo = Demo(database_url, out, progress)
    demo.call(save_organisation, DEMO_ORGANISATION)
    demo.make_staff()
    demo.make_projects()
    demo.make_participants()
    record_ids = demo.record_activities()
    demo.decide(record_ids)
    demo.pay()
    recognise(demo)  # outcomes on some activities, records of involvement (ledger/demo/recognition.py)
    demo.statements()
    write_messages(demo, TAX_YEAR)  # e-mails as .eml files and letters to print (ledger.demo.messages)
    demo.reports()
    demo.totals()
    make_web_users(demo)  # web accounts and a participant's sign-in code (ledger/demo/web_users.py)
    demo.engine.dispose()
    return demo.summary
