"""The "record an activity" form: its rows, its choices, and turning what was typed into ``ActivityCreate``.

The form's field names are the service's own problem paths (``attendees[2].expenses[0].receipt``), so a
problem the recording service or the quote service names lands beside the field it is about, with no
mapping table to keep in step. What can only be wrong in a web form (a number typed as words, a person
not chosen) is checked here, in the same plain words, before the service is asked.

Rows are added without JavaScript: "Add another person" and "Add an expense" are submit buttons that
re-render the form with one more row (``rows``/``expense_rows`` counts travel as hidden fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from ledger.errors import FieldProblem
from ledger.involvement.schemas import ActivityCreate, AttendeeIn, MileageIn
from ledger.rates.contract import ExpenseRequest
from ledger.rates.engine import MAX_COMPONENT_MINUTES, MAX_MILES, MAX_PASSENGERS
from ledger.rates.model import MEMBER, RateCard

MAX_ROWS = 60  # a bigger event is recorded as several (the service's own cap is higher)
MAX_EXPENSE_ROWS = 10
# The engine's own limits (one place): checked here only so a form can say "must be 1,440 or less" beside
# the box before anything else is worked out; the engine checks them again.
MINUTES_MAX = MAX_COMPONENT_MINUTES
MILES_MAX = MAX_MILES
MINUTE_FIELDS = (
    ("involvement_minutes", "Minutes taken part"),
    ("preparation_minutes", "Preparation (minutes)"),
    ("follow_up_minutes", "Follow-up (minutes)"),
    ("travel_minutes", "Travel time (minutes)"),
)

Values = Mapping[str, str]


def attendee_name(index: int, name: str) -> str:
    return f"attendees[{index}].{name}"


def expense_name(index: int, expense: int, name: str) -> str:
    return f"attendees[{index}].expenses[{expense}].{name}"


@dataclass
class FormShape:
    """How many attendee rows, and how many expense rows each, the form shows."""

    rows: int = 1
    expense_rows: list[int] = field(default_factory=lambda: [1])

    @classmethod
    def read(cls, values: Values) -> FormShape:
        rows = _count(values.get("rows"), 1, MAX_ROWS)
        expense_rows = [_count(values.get(attendee_name(i, "expense_rows")), 1, MAX_EXPENSE_ROWS) for i in range(rows)]
        return cls(rows=rows, expense_rows=expense_rows)

    def act(self, action: str | None) -> bool:
        """Apply an "add" button (``add-attendee``, ``add-expense-2``); ``True`` when one was pressed."""
        if action == "add-attendee" and self.rows < MAX_ROWS:
            self.rows += 1
            self.expense_rows.append(1)
            return True
        if action and action.startswith("add-expense-"):
            raw = action.removeprefix("add-expense-")
            index = int(raw) if raw.isdigit() else -1  # a row that is not on the form changes nothing
            if 0 <= index < self.rows and self.expense_rows[index] < MAX_EXPENSE_ROWS:
                self.expense_rows[index] += 1
            return True
        return False


def field_names(shape: FormShape) -> list[str]:
    """Every field the form shows for ``shape`` (so a problem about a box left out can still sit beside it)."""
    names = ["project", "date", "activity", "mode", "description"]
    for i in range(shape.rows):
        names += [attendee_name(i, n) for n in ("participant", "role", *(f for f, _ in MINUTE_FIELDS),
                                                "mileage.vehicle", "mileage.miles", "mileage.passengers")]
        names += [expense_name(i, e, n) for e in range(shape.expense_rows[i]) for n in ("category", "amount",
                                                                                         "receipt")]
    return names


def _count(raw: str | None, default: int, highest: int) -> int:
    try:
        value = int((raw or "").strip())
    except ValueError:
        return default
    return max(min(value, highest), 1)


def _whole(values: Values, name: str, label: str, problems: list[FieldProblem], *, highest: int,
           required: bool = False) -> int:
    raw = (values.get(name) or "").strip().replace(",", "")
    if not raw:
        if required:
            problems.append(FieldProblem(name, f"Enter {label.lower()}"))
        return 0
    if not raw.isdigit():
        problems.append(FieldProblem(name, f"{label} must be a whole number, like 90"))
        return 0
    value = int(raw)
    if value > highest:
        problems.append(FieldProblem(name, f"{label} must be {highest:,} or less"))
        return 0
    return value


def row_is_blank(values: Values, index: int, expense_rows: int) -> bool:
    """A row nothing was typed in (left over from "add another person") is ignored, not an error."""
    names = [attendee_name(index, n) for n in ("participant", "mileage.miles", *(f for f, _ in MINUTE_FIELDS))]
    names += [expense_name(index, e, n) for e in range(expense_rows) for n in ("category", "amount", "receipt")]
    return not any((values.get(n) or "").strip() for n in names)


def read_attendees(values: Values, shape: FormShape, problems: list[FieldProblem]) -> list[tuple[int, AttendeeIn]]:
    """Every non-blank row as ``(row index, AttendeeIn)``; problems found are added to ``problems``."""
    found: list[tuple[int, AttendeeIn]] = []
    for index in range(shape.rows):
        if row_is_blank(values, index, shape.expense_rows[index]):
            continue
        before = len(problems)
        raw_person = (values.get(attendee_name(index, "participant")) or "").strip()
        person = int(raw_person) if raw_person.isdigit() and int(raw_person) >= 1 else 0
        if not person:
            problems.append(FieldProblem(attendee_name(index, "participant"), "Choose who took part"))
        minutes = {
            name: _whole(values, attendee_name(index, name), label, problems, highest=MINUTES_MAX,
                         required=name == "involvement_minutes")
            for name, label in MINUTE_FIELDS
        }
        mileage = None
        vehicle = (values.get(attendee_name(index, "mileage.vehicle")) or "").strip()
        miles = _whole(values, attendee_name(index, "mileage.miles"), "Miles", problems, highest=MILES_MAX)
        passengers = _whole(values, attendee_name(index, "mileage.passengers"), "Passengers", problems,
                            highest=MAX_PASSENGERS)
        if vehicle and miles:
            mileage = MileageIn(vehicle=vehicle, miles=miles, passengers=passengers)
        elif miles and not vehicle:
            problems.append(FieldProblem(attendee_name(index, "mileage.vehicle"), "Choose how they travelled"))
        expenses: list[ExpenseRequest] = []
        for e in range(shape.expense_rows[index]):
            category = (values.get(expense_name(index, e, "category")) or "").strip()
            amount = (values.get(expense_name(index, e, "amount")) or "").strip().removeprefix("£")
            receipt = (values.get(expense_name(index, e, "receipt")) or "").strip() or None
            if not category and not amount and not receipt:
                continue
            if not category:
                problems.append(FieldProblem(expense_name(index, e, "category"), "Choose what the expense was for"))
            if not amount:
                problems.append(FieldProblem(expense_name(index, e, "amount"), "Enter the amount, like 12.40"))
            expenses.append(ExpenseRequest(category=category, amount=amount or "0", receipt=receipt))
        if len(problems) == before:
            role = (values.get(attendee_name(index, "role")) or MEMBER).strip() or MEMBER
            found.append((index, AttendeeIn(participant=person, role=role, mileage=mileage, expenses=expenses,
                                            **minutes)))
    return found


@dataclass(frozen=True)
class ReadForm:
    """What the form says: ``data`` is ``None`` while the activity itself (project, date, type) has problems;
    it holds the rows that could be read even when others could not (saving needs ``problems`` empty)."""

    data: ActivityCreate | None
    rows: list[int]  # the form row of each attendee in ``data.attendees`` (blank rows are skipped)
    problems: list[FieldProblem]


def read_activity(values: Values, shape: FormShape, on: date | None, date_problems: list[FieldProblem],
                  *, need_attendee: bool = True) -> ReadForm:
    """The whole form as ``ActivityCreate`` (the activity date is read by the date-input helper)."""
    problems = list(date_problems)
    raw_project = (values.get("project") or "").strip()
    project = int(raw_project) if raw_project.isdigit() and int(raw_project) >= 1 else 0
    if not project:
        problems.append(FieldProblem("project", "Choose the project"))
    activity = (values.get("activity") or "").strip()
    if not activity:
        problems.append(FieldProblem("activity", "Choose the type of activity"))
    mode = (values.get("mode") or "").strip()
    if mode not in ("in_person", "online"):
        problems.append(FieldProblem("mode", "Choose in person or online"))
    description = (values.get("description") or "").strip() or None
    whole_activity_ok = not problems and on is not None
    attendees = read_attendees(values, shape, problems)
    if need_attendee and not attendees and not any(p.field.startswith("attendees[") for p in problems):
        problems.append(FieldProblem(attendee_name(0, "participant"), "Add at least one person who took part"))
    if not whole_activity_ok or on is None:
        return ReadForm(None, [i for i, _ in attendees], problems)
    # Built even when some rows have problems: the live quote still shows the rows that are fine.
    data = ActivityCreate(project=project, date=on, activity=activity, mode=mode,  # type: ignore[arg-type]
                          description=description, attendees=[a for _, a in attendees])
    return ReadForm(data, [i for i, _ in attendees], problems)


def service_field(problem_field: str, rows: list[int]) -> str:
    """A service's problem path renumbered to the form's row (blank rows were skipped before the service)."""
    if not problem_field.startswith("attendees["):
        return problem_field
    head, _, tail = problem_field.partition("]")
    try:
        position = int(head.removeprefix("attendees["))
    except ValueError:
        return problem_field
    row = rows[position] if 0 <= position < len(rows) else position
    return f"attendees[{row}]{tail}"


@dataclass(frozen=True)
class Choice:
    value: str
    text: str


def card_choices(card: RateCard, on: date) -> dict[str, list[Choice]]:
    """The rate card's activity types, roles, vehicles and expense kinds in force on ``on`` (or the newest)."""
    try:
        version = card.version_on(on)
    except Exception:  # before the first version: offer the newest, the date error is shown anyway
        version = card.versions[-1]
    roles = [Choice(MEMBER, "Member")] + [Choice(k, r.label) for k, r in version.roles.items() if k != MEMBER]
    return {
        "activities": [Choice(k, a.label) for k, a in version.activities.items()],
        "roles": roles,
        "vehicles": [Choice(k, v.label) for k, v in version.expenses.mileage.items()],
        "categories": [Choice(k, c.label) for k, c in version.expenses.at_cost.items()],
    }
