"""Rows of involvement -> activities with their attendees, through ``record_activity`` (the API's service).

One row is one person's part in one activity. Rows next to each other with the same project, date,
activity type, mode and description become ONE activity with every person as an attendee (that is how
a meeting is usually typed: one row per person). A row is left out, and said so, when the ledger already
has a record for the same person, project, date and activity, or when it repeats an earlier row of the
file. The same key with different times or expenses is an error: the ledger will not pick one.

Who took part is matched among the people the importer may see (a lead sees their projects' people):
by reference, email or exact name. A name two people share, or a name and a reference that disagree, is
an error. Records arrive as submitted: approving them is the usual second person's job.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.db.models import Activity, Participant, Project, Record
from ledger.errors import Forbidden, Invalid, LedgerError
from ledger.imports.run import ImportRun
from ledger.imports.values import (
    CellProblem,
    DateStyle,
    ambiguous_problem,
    choose,
    parse_amount,
    parse_date,
    parse_minutes,
    parse_whole,
    squash,
    text,
)
from ledger.involvement.activities import project_card, record_activity
from ledger.involvement.membership import visible_participants
from ledger.involvement.schemas import MAX_ATTENDEES, ActivityCreate, AttendeeIn, MileageIn
from ledger.money import Money
from ledger.rates.contract import ExpenseRequest
from ledger.rates.model import MEMBER, RateCard
from ledger.rates.registry import CardRegistry
from ledger.security.actor import Actor

MODES = {"in person": "in_person", "inperson": "in_person", "face to face": "in_person", "f2f": "in_person",
         "in the room": "in_person", "online": "online", "remote": "online", "video": "online",
         "video call": "online", "virtual": "online", "zoom": "online", "teams": "online"}
TIME_KEYS = ("involvement_minutes", "preparation_minutes", "follow_up_minutes", "travel_minutes")
PERSON_KEYS = ("participant", "participant_name", "participant_email")
REFERENCE = re.compile(r"^[A-Za-z]+-\d+$")  # P-0012
ACTIVITY_WHERE = {"project": "project", "date": "date", "activity": "activity", "mode": "mode",
                  "description": "description"}


@dataclass(frozen=True)
class Part:
    """One row, read and checked as far as the row alone can be."""

    row: int
    key: tuple[int, dt.date, str, str, str]  # project id, date, activity, mode, description
    description: str | None
    participant: Participant
    attendee: AttendeeIn
    expense_slots: tuple[int, ...]  # which Expense N columns the attendee's expenses came from


class People:
    """The people the importer may see, indexed by reference, email and name (loaded once)."""

    def __init__(self, session: Session, actor: Actor) -> None:
        self.by_reference: dict[str, Participant] = {}
        self.by_email: dict[str, list[Participant]] = defaultdict(list)
        self.by_name: dict[str, list[Participant]] = defaultdict(list)
        query = select(Participant).where(Participant.erased_at.is_(None))
        condition = visible_participants(actor)
        if condition is not None:
            query = query.where(condition)
        for person in session.scalars(query):
            self.add(person)

    def add(self, person: Participant) -> None:
        self.by_reference[person.reference.upper()] = person
        if person.email:
            self.by_email[person.email.strip().casefold()].append(person)
        names = {squash(person.name)} | ({squash(person.preferred_name)} if person.preferred_name else set())
        for name in names:
            self.by_name[name].append(person)

    def find(self, reference_or_any: str | None, name: str | None, email: str | None) -> Participant:
        """The one person every given identifier points at, or ``CellProblem`` saying why not."""
        candidates: list[tuple[str, list[Participant]]] = []
        if reference_or_any:
            written = reference_or_any.strip()
            if written.upper() in self.by_reference or REFERENCE.match(written):
                found_one = self.by_reference.get(written.upper())
                candidates.append((f"reference {written}", [found_one] if found_one else []))
            elif "@" in written:
                candidates.append((f"email {written}", self.by_email.get(written.casefold(), [])))
            else:
                candidates.append((f"name {written!r}", self.by_name.get(squash(written), [])))
        if name:
            candidates.append((f"name {name!r}", self.by_name.get(squash(name), [])))
        if email:
            candidates.append((f"email {email}", self.by_email.get(email.strip().casefold(), [])))
        for said, found in candidates:
            if not found:
                raise CellProblem(f"no participant with the {said} is in the ledger (or one you may see)",
                                  "check the spelling against the ledger, or add the person first with a "
                                  "participants import")
        common = set.intersection(*({p.id for p in found} for _, found in candidates))
        if len(common) == 1:
            person_id = common.pop()
            return next(p for _, found in candidates for p in found if p.id == person_id)
        if not common:
            said = " and ".join(f"the {what} ({', '.join(p.reference for p in found)})" for what, found in candidates)
            raise CellProblem(f"{said} do not point at the same person", "check which person the row is about")
        references = sorted({p.reference for _, found in candidates for p in found if p.id in common})
        raise CellProblem(f"this matches {len(references)} people in the ledger ({', '.join(references)})",
                          "write the person's reference (for example P-0012) in the Participant column")


class ActivityImporter:
    def __init__(self, session: Session, actor: Actor, run: ImportRun, *, epoch: dt.date,
                 default_project: str | None, registry: CardRegistry | None) -> None:
        self.session, self.actor, self.run = session, actor, run
        self.epoch, self.registry = epoch, registry
        self.default_project = default_project
        self.dates = DateStyle()
        self.people = People(session, actor)
        self.projects: dict[str, Project | CellProblem] = {}
        self.group: list[Part] = []
        # Records made by this import have larger ids: a match above this is an earlier row of the file.
        self.first_new_record = (session.scalar(select(func.max(Record.id))) or 0) + 1

    # --------------------------------------------------------------------------------------- rows

    def add_row(self, row: int, cells: list[Any]) -> None:
        part = self._read(row, cells)
        if part is None:
            return
        if self.group and (self.group[0].key != part.key or len(self.group) >= MAX_ATTENDEES):
            self.flush()
        self.group.append(part)

    def finish(self) -> None:
        self.flush()
        if self.dates.month_first_example is not None:
            for row, key, written in self.dates.ambiguous:
                self.run.cell_problem(row, key, ambiguous_problem(written, self.dates.month_first_example))

    def _read(self, row: int, cells: list[Any]) -> Part | None:
        run = self.run
        before = len(run.problems)
        project = self._project(row, cells)
        on: dt.date | None = None
        try:
            on = parse_date(run.cell(cells, "date"), row=row, column="date", style=self.dates, epoch=self.epoch) \
                if run.cell(cells, "date") is not None else None
            if on is None:
                run.problem(row, "date", "the date is missing", "write the day it happened, e.g. 14/01/2026")
        except CellProblem as exc:
            run.cell_problem(row, "date", exc)
        card = None
        if isinstance(project, Project):
            try:
                card = project_card(project, self.registry)
            except Invalid as exc:
                run.problem(row, "project", exc.detail, "ask an administrator to restore the project's rate card")
        activity = self._activity(row, cells, card, on)
        mode = "in_person"
        if run.cell(cells, "mode") is not None:
            try:
                mode = choose(run.cell(cells, "mode"), MODES, "way of taking part")
            except CellProblem as exc:
                run.cell_problem(row, "mode", exc)
        person = self._person(row, cells)
        attendee, slots = self._attendee(row, cells, card, on)
        if len(run.problems) > before or not isinstance(project, Project) or on is None or activity is None \
                or person is None or attendee is None:
            return None
        description = text(run.cell(cells, "description")) or None
        return Part(row=row, key=(project.id, on, activity, mode, description or ""), description=description,
                    participant=person, attendee=attendee, expense_slots=slots)

    def _project(self, row: int, cells: list[Any]) -> Project | None:
        written = text(self.run.cell(cells, "project")) or (self.default_project or "")
        if not written:
            self.run.problem(row, "project", "the project is missing",
                             "write the project's code in a Project column, or name the project when you import")
            return None
        found = self.projects.get(written.casefold())
        if found is None:
            found = self._look_up_project(written)
            self.projects[written.casefold()] = found
        if isinstance(found, CellProblem):
            self.run.cell_problem(row, "project", found)
            return None
        return found

    def _look_up_project(self, written: str) -> Project | CellProblem:
        project = self.session.scalar(select(Project).where(func.lower(Project.code) == written.casefold()))
        if project is None:
            return CellProblem(f"there is no project with the code {written!r}",
                               "use the project's code as the ledger has it (ask an administrator)")
        if not self.actor.can_see_project(project.id):
            return CellProblem(f"you may not import into project {project.code}: your access covers other projects",
                               "leave this row out, or ask a lead of that project to import it")
        return project

    def _activity(self, row: int, cells: list[Any], card: RateCard | None, on: dt.date | None) -> str | None:
        written = text(self.run.cell(cells, "activity"))
        if not written:
            self.run.problem(row, "activity", "the activity type is missing", "write what kind of involvement it was")
            return None
        if card is None or on is None:
            return None
        try:
            version = card.version_on(on)
        except Invalid as exc:
            self.run.problem(row, "date", exc.detail)
            return None
        key = _key_for(written, {key: rule.label for key, rule in version.activities.items()})
        if key is None:
            known = "; ".join(f"{key} ({rule.label})" for key, rule in sorted(version.activities.items()))
            self.run.problem(row, "activity", f"{written!r} is not an activity type on the rate card {card.key}",
                             f"use one of: {known}")
        return key

    def _person(self, row: int, cells: list[Any]) -> Participant | None:
        run = self.run
        given = [text(run.cell(cells, key)) or None for key in PERSON_KEYS]
        column = next((key for key, value in zip(PERSON_KEYS, given, strict=True) if value), PERSON_KEYS[0])
        if not any(given):
            run.problem(row, column, "who took part is missing",
                        "write the person's reference (P-0012), email or name as the ledger has it")
            return None
        try:
            return self.people.find(*given)
        except CellProblem as exc:
            run.cell_problem(row, column, exc)
            return None

    def _attendee(self, row: int, cells: list[Any], card: RateCard | None, on: dt.date | None
                  ) -> tuple[AttendeeIn | None, tuple[int, ...]]:
        run = self.run
        times: dict[str, int] = {}
        for key in TIME_KEYS:
            value = run.cell(cells, key)
            if value is None:
                if key == "involvement_minutes":
                    run.problem(row, key, "how long they took part is missing",
                                "write the time, e.g. 90, 1:30 or 1h 30m (0 if they only prepared)")
                times[key] = 0
                continue
            try:
                heading = run.headings.get(key)
                times[key] = parse_minutes(value, hours=bool(heading and heading.hours))
            except CellProblem as exc:
                run.cell_problem(row, key, exc)
        version = None
        if card is not None and on is not None:
            try:
                version = card.version_on(on)
            except Invalid:
                version = None  # said once, by _activity
        role_text = text(run.cell(cells, "role"))
        role = MEMBER
        if role_text:
            labels = {key: rule.label for key, rule in version.roles.items()} if version else {}
            role = _key_for(role_text, {MEMBER: "member", **labels}) or _as_key(role_text)
        mileage = self._mileage(row, cells, version)
        expenses: list[ExpenseRequest] = []
        slots: list[int] = []
        for number in range(1, 4):
            kind, amount = run.cell(cells, f"expense{number}_type"), run.cell(cells, f"expense{number}_amount")
            receipt = text(run.cell(cells, f"expense{number}_receipt")) or None
            if kind is None and amount is None:
                if receipt:
                    run.problem(row, f"expense{number}_receipt", "a receipt with no expense",
                                "fill in the expense's type and amount, or clear the receipt")
                continue
            if kind is None or amount is None:
                missing = "type" if kind is None else "amount"
                run.problem(row, f"expense{number}_{missing}", f"the expense's {missing} is missing",
                            "an expense needs both its type and its amount")
                continue
            categories = ({key: rule.label for key, rule in version.expenses.at_cost.items()} if version else {})
            category = _key_for(text(kind), categories) or _as_key(text(kind))
            try:
                expenses.append(ExpenseRequest(category=category, amount=parse_amount(amount), receipt=receipt))
                slots.append(number)
            except CellProblem as exc:
                run.cell_problem(row, f"expense{number}_amount", exc)
        if len(times) < len(TIME_KEYS):
            return None, ()
        return AttendeeIn(participant=1, involvement_minutes=times["involvement_minutes"], role=role,
                          preparation_minutes=times["preparation_minutes"],
                          follow_up_minutes=times["follow_up_minutes"], travel_minutes=times["travel_minutes"],
                          mileage=mileage, expenses=expenses), tuple(slots)

    def _mileage(self, row: int, cells: list[Any], version: Any) -> MileageIn | None:
        run = self.run
        vehicle, miles = run.cell(cells, "mileage_vehicle"), run.cell(cells, "mileage_miles")
        passengers = run.cell(cells, "mileage_passengers")
        if vehicle is None and miles is None:
            if passengers is not None:
                run.problem(row, "mileage_passengers", "passengers but no miles",
                            "fill in the vehicle and the miles, or clear the passengers")
            return None
        if vehicle is None:
            vehicles = {key: rate.label for key, rate in version.expenses.mileage.items()} if version else {}
            if len(vehicles) == 1:  # only one way to claim mileage on this card: nothing to guess
                vehicle = next(iter(vehicles))
            else:
                run.problem(row, "mileage_miles", "miles but no vehicle",
                            "fill in the vehicle: " + ", ".join(sorted(vehicles)) if vehicles else
                            "fill in the vehicle")
                return None
        try:
            count = parse_whole(miles, "miles") if miles is not None else 0
        except CellProblem as exc:
            run.cell_problem(row, "mileage_miles", exc)
            return None
        try:
            carried = parse_whole(passengers, "passengers") if passengers is not None else 0
        except CellProblem as exc:
            run.cell_problem(row, "mileage_passengers", exc)
            return None
        vehicles = {key: rate.label for key, rate in version.expenses.mileage.items()} if version else {}
        return MileageIn(vehicle=_key_for(text(vehicle), vehicles) or _as_key(text(vehicle)), miles=count,
                         passengers=carried)

    # ------------------------------------------------------------------------------------- groups

    def flush(self) -> None:
        group, self.group = self.group, []
        if not group:
            return
        project_id, on, activity, _mode, _ = group[0].key
        existing = self._existing(project_id, on, activity, [part.participant.id for part in group])
        keep: list[Part] = []
        seen: dict[int, Part] = {}
        for part in group:
            earlier_part = seen.get(part.participant.id)
            if earlier_part is not None:
                self._repeat(part, same=_same_part(earlier_part.attendee, part.attendee),
                             where=f"row {earlier_part.row}")
                continue
            record = existing.get(part.participant.id)
            if record is not None:
                if record.id >= self.first_new_record:
                    self._repeat(part, same=_same_record(record, part.attendee), where="an earlier row of this file")
                else:
                    self.run.left_out(part.row, f"already in the ledger: record {record.id} for "
                                                f"{part.participant.reference} on {on.isoformat()} ({activity}, "
                                                f"{record.status})")
                continue
            seen[part.participant.id] = part
            keep.append(part)
        if keep:
            self._record(keep)

    def _repeat(self, part: Part, *, same: bool, where: str) -> None:
        if same:
            self.run.left_out(part.row, f"repeats {where} (same person, project, date and activity)")
        else:
            self.run.problem(part.row, self._present("participant"),
                             f"{where} has the same person, project, date and activity with different times or "
                             "expenses", "keep one row per person per activity, with the right figures")

    def _existing(self, project_id: int, on: dt.date, activity: str, people: list[int]) -> dict[int, Record]:
        rows = self.session.scalars(
            select(Record).join(Activity, Activity.id == Record.activity_id)
            .where(Activity.project_id == project_id, Activity.date == on, Activity.activity == activity,
                   Record.participant_id.in_(people))
            .order_by(Record.id)
        )
        found: dict[int, Record] = {}
        for record in rows:
            found.setdefault(record.participant_id, record)
        return found

    def _record(self, parts: list[Part]) -> None:
        project_id, on, activity, mode, _ = parts[0].key
        attendees = [_with_participant(part.attendee, part.participant.id) for part in parts]
        data = ActivityCreate(project=project_id, date=on, activity=activity, attendees=attendees,
                              mode=mode,  # type: ignore[arg-type]  # one of MODES' values
                              description=parts[0].description)
        try:
            created = record_activity(self.session, self.actor, data, registry=self.registry)
        except Forbidden as exc:
            for part in parts:
                self.run.problem(part.row, None, exc.detail, "leave this row out, or ask someone who may import it")
            return
        except Invalid as exc:
            self._place(parts, exc)
            return
        self.run.added.activities += 1
        self.run.added.records += len(created.records)
        self.run.added_rows.extend(part.row for part in parts)

    def _place(self, parts: list[Part], exc: LedgerError) -> None:
        """Put each of the service's problems on the row (and column) it is about."""
        by_row: dict[int, list[Any]] = defaultdict(list)
        shared: list[Any] = []
        for problem in exc.problems or []:
            if problem.field.startswith("attendees["):
                index = int(problem.field[len("attendees["):problem.field.index("]")])
                by_row[index].append(problem)
            else:
                shared.append(problem)
        for index, part in enumerate(parts):
            mine = by_row.get(index, []) + shared
            if not mine and not exc.problems:
                mine = []
                self.run.problem(part.row, None, exc.detail)
                continue
            if mine:
                where = {path: self._present(key) for path, key in _where(part.expense_slots).items()}
                self.run.service_problems(part.row, Invalid(exc.detail, mine), where, strip=f"attendees[{index}].")

    def _present(self, key: str) -> str:
        """The column to point at: ``key``'s own, or the nearest one the file has (a receipt problem in a
        file without a receipt column is shown on the expense's amount)."""
        headings = self.run.headings
        if key in headings:
            return key
        nearby = {"participant": PERSON_KEYS, "mileage_passengers": ("mileage_miles", "mileage_vehicle"),
                  "mileage_vehicle": ("mileage_miles",), "mileage_miles": ("mileage_vehicle",)}
        if key.startswith("expense"):
            number = key[len("expense"):key.index("_")]
            nearby[key] = (f"expense{number}_amount", f"expense{number}_type")
        return next((other for other in nearby.get(key, ()) if other in headings), key)


def _where(slots: tuple[int, ...]) -> dict[str, str]:
    where = {**ACTIVITY_WHERE, "participant": "participant", "role": "role",
             **{key: key for key in TIME_KEYS},
             "mileage": "mileage_vehicle", "mileage.vehicle": "mileage_vehicle", "mileage.miles": "mileage_miles",
             "mileage.passengers": "mileage_passengers"}
    for index, number in enumerate(slots):
        where[f"expenses[{index}]"] = f"expense{number}_type"
        where[f"expenses[{index}].category"] = f"expense{number}_type"
        where[f"expenses[{index}].amount"] = f"expense{number}_amount"
        where[f"expenses[{index}].receipt"] = f"expense{number}_receipt"
    return where


def _with_participant(attendee: AttendeeIn, participant_id: int) -> AttendeeIn:
    return AttendeeIn(participant=participant_id, involvement_minutes=attendee.involvement_minutes,
                      role=attendee.role, preparation_minutes=attendee.preparation_minutes,
                      follow_up_minutes=attendee.follow_up_minutes, travel_minutes=attendee.travel_minutes,
                      mileage=attendee.mileage, expenses=attendee.expenses)


def _key_for(written: str, labels: dict[str, str]) -> str | None:
    """The key whose key or label is ``written`` (any case or spacing): ``Meeting or workshop`` -> ``meeting``."""
    wanted = squash(written)
    for key, label in labels.items():
        if wanted in (squash(key), squash(label)):
            return key
    return None


def _as_key(written: str) -> str:
    """Text passed on as a key for the rate engine to accept or refuse by name (``Car`` -> ``car``)."""
    return squash(written).replace(" ", "_")


def _shape(attendee: AttendeeIn) -> tuple[Any, ...]:
    mileage = attendee.mileage
    return (attendee.role, attendee.involvement_minutes, attendee.preparation_minutes, attendee.follow_up_minutes,
            attendee.travel_minutes,
            (mileage.vehicle, mileage.miles, mileage.passengers) if mileage is not None else None,
            tuple((e.category, Decimal(e.amount), e.receipt or None) for e in attendee.expenses))


def _same_part(first: AttendeeIn, second: AttendeeIn) -> bool:
    return _shape(first) == _shape(second)


def _same_record(record: Record, attendee: AttendeeIn) -> bool:
    currency = record.activity.project.currency
    stored = (record.role, record.involvement_minutes, record.preparation_minutes, record.follow_up_minutes,
              record.travel_minutes,
              (record.mileage_vehicle, record.mileage_miles, record.mileage_passengers)
              if record.mileage_vehicle is not None else None,
              tuple((e.category, Money.from_minor(e.amount_minor, currency).amount, e.receipt or None)
                    for e in record.expenses))
    return stored == _shape(attendee)
