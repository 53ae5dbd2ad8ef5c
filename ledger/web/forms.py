"""Forms the GOV.UK way: every problem at once, linked from an error summary to its field, typed values kept.

A page handler reads the form, lets the service check it, and turns the service's problems into field
errors with one call::

    form = await read_form(request)
    try:
        person = participants.add(db_session, actor, name=form.value("name"), ...)
    except Invalid as exc:
        form.add_problems(exc, fields={"display_name": "name"})
    if form.errors:
        return page(request, "lead/add.html", {"form": form}, status=400)
    return see_other(f"/participants/{person.id}", notice="Participant added")

The words come from the services (``ledger.input_problems`` and ``ledger.errors``), so the web says the
same as the API and the CLI. Only date inputs (day, month, year boxes) are parsed here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from litestar import Request

from ledger.errors import FieldProblem, LedgerError

CSRF_FIELD = "_csrf_token"
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def field_id(name: str) -> str:
    """The HTML id for a field name: ``attendees[0].minutes`` -> ``attendees-0-minutes``."""
    return _ID_UNSAFE.sub("-", name).strip("-") or "field"


def _sentence(message: str) -> str:
    """Services word problems as clauses ("the name is missing"); a page shows a sentence."""
    message = message.strip()
    if not message:
        return message
    return message[0].upper() + message[1:]


@dataclass
class FieldError:
    name: str  # the form field's name
    message: str
    anchor: str  # the id the error summary links to (a date links to its day box)


@dataclass
class Form:
    """What was typed (``values``), and what is wrong with it (``errors``, in the order found)."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)

    # ------------------------------------------------------------------ reading
    def value(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def get_list(self, name: str) -> list[str]:
        """Every value sent for ``name`` (checkboxes, multi-selects)."""
        return list(self.lists.get(name, []))

    def id(self, name: str) -> str:
        return field_id(name)

    # ------------------------------------------------------------------ errors
    def add(self, name: str, message: str, *, anchor: str | None = None) -> None:
        """Record a problem with field ``name``; the first problem per field is the one shown."""
        if self.error(name) is None:
            self.errors.append(FieldError(name, _sentence(message), anchor or field_id(name)))

    def add_problems(
        self,
        problems: LedgerError | Iterable[FieldProblem],
        fields: Mapping[str, str] | None = None,
        *,
        fallback: str | None = None,
    ) -> None:
        """Turn a service's problems into field errors.

        ``fields`` maps a service's field path to this form's field name where they differ. A problem
        whose field the form does not have (or an error with no field at all) goes on ``fallback``, or
        on the summary alone when there is none, so nothing the service said is lost.
        """
        fields = fields or {}
        items = list(problems.problems) if isinstance(problems, LedgerError) else list(problems)
        if isinstance(problems, LedgerError) and not items:
            self.add_general(problems.detail, field_name=fallback)
            return
        for problem in items:
            name = fields.get(problem.field, problem.field)
            if not name or (name not in self.values and name not in self.lists and name not in fields.values()
                            and not self._is_date(name)):
                self.add_general(problem.message, field_name=fallback)
            else:
                anchor = f"{field_id(name)}-day" if self._is_date(name) else None
                self.add(name, problem.message, anchor=anchor)

    def add_general(self, message: str, *, field_name: str | None = None) -> None:
        """A problem not tied to one field: listed in the summary (linked to ``field_name`` if given)."""
        if field_name:
            self.add(field_name, message)
        else:
            self.errors.append(FieldError("", _sentence(message), "main-content"))

    def _is_date(self, name: str) -> bool:
        return f"{name}-day" in self.values

    def error(self, name: str) -> str | None:
        return next((e.message for e in self.errors if e.name == name), None)

    def error_message(self, name: str) -> dict[str, str] | None:
        """govuk-frontend's ``errorMessage`` parameter for field ``name`` (``None`` when it is fine)."""
        message = self.error(name)
        return {"text": message} if message else None

    def _page_order(self, error: FieldError) -> tuple[int, int]:
        """Where the field sits on the page: the order the browser sent the fields in is the page's order."""
        order = {name: index for index, name in enumerate(self.values)}
        position = order.get(error.name, order.get(f"{error.name}-day", len(order)))
        return (0 if not error.name else 1, position)

    @property
    def summary(self) -> list[dict[str, str]]:
        """govuk-frontend's ``errorList``: each problem linking to its field, in the order of the page's fields."""
        ordered = sorted(self.errors, key=self._page_order)  # stable: a field's own problems keep their order
        return [{"text": e.message, "href": f"#{e.anchor}"} for e in ordered]

    @property
    def title_prefix(self) -> str:
        """``"Error: "`` while the form has errors: screen readers announce the title first."""
        return "Error: " if self.errors else ""

    # ------------------------------------------------------------------ component parameters
    def field(self, name: str, label: str, *, hint: str | None = None, **params: Any) -> dict[str, Any]:
        """Parameters for govukInput, govukTextarea or govukSelect, with the typed value and any error."""
        result: dict[str, Any] = {
            "id": field_id(name),
            "name": name,
            "value": self.value(name),
            "label": {"text": label},
            "errorMessage": self.error_message(name),
        }
        if hint:
            result["hint"] = {"text": hint}
        result.update(params)
        return result

    def choices(self, name: str, legend: str, options: Iterable[tuple[str, str]], *, hint: str | None = None,
                **params: Any) -> dict[str, Any]:
        """Parameters for govukRadios or govukCheckboxes: ``options`` are (value, words); chosen ones checked."""
        chosen = set(self.get_list(name)) or ({self.value(name)} if self.value(name) else set())
        result: dict[str, Any] = {
            "idPrefix": field_id(name),
            "name": name,
            "fieldset": {"legend": {"text": legend}},
            "items": [{"value": value, "text": text, "checked": value in chosen} for value, text in options],
            "errorMessage": self.error_message(name),
        }
        if hint:
            result["hint"] = {"text": hint}
        result.update(params)
        return result

    def date_field(self, name: str, legend: str, *, hint: str | None = "For example, 27 3 2026",
                   **params: Any) -> dict[str, Any]:
        """Parameters for govukDateInput (boxes ``<name>-day``, ``-month``, ``-year``), typed values kept."""
        error = self.error(name)
        wide = "govuk-input--width-4"
        narrow = "govuk-input--width-2"
        box_class = " govuk-input--error" if error else ""
        result: dict[str, Any] = {
            "id": field_id(name),
            "namePrefix": name,
            "fieldset": {"legend": {"text": legend}},
            "items": [
                {"name": "day", "label": "Day", "value": self.value(f"{name}-day"), "classes": narrow + box_class},
                {"name": "month", "label": "Month", "value": self.value(f"{name}-month"),
                 "classes": narrow + box_class},
                {"name": "year", "label": "Year", "value": self.value(f"{name}-year"), "classes": wide + box_class},
            ],
            "errorMessage": self.error_message(name),
        }
        if hint:
            result["hint"] = {"text": hint}
        result.update(params)
        return result

    def set_date(self, name: str, value: dt.date | None) -> None:
        """Fill a date input's boxes (for an edit form's first showing)."""
        if value is not None:
            self.values.update({f"{name}-day": str(value.day), f"{name}-month": str(value.month),
                                f"{name}-year": str(value.year)})


def form_from(data: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Form:
    """A :class:`Form` from submitted pairs (the CSRF token left out, NUL characters dropped); repeated
    names kept in ``lists``."""
    pairs: Iterable[tuple[str, Any]]
    if isinstance(data, Mapping):
        multi = getattr(data, "multi_items", None)
        pairs = multi() if callable(multi) else data.items()
    else:
        pairs = data
    form = Form()
    for name, raw in pairs:
        if name == CSRF_FIELD:
            continue
        values = raw if isinstance(raw, list) else [raw]
        for value in values:
            # A NUL character cannot be typed and PostgreSQL refuses it in text (a 500 instead of a form
            # error), so it is dropped here, once, for every page.
            text = (value if isinstance(value, str) else str(value)).replace("\x00", "")
            form.lists.setdefault(name, []).append(text)
            form.values.setdefault(name, text)
    return form


async def read_form(request: Request[Any, Any, Any]) -> Form:
    """The submitted form (url-encoded or multipart text fields) as a :class:`Form`."""
    data = await request.form()
    return form_from(data.multi_items())


# ---------------------------------------------------------------------------------------------- dates

_MONTHS = {name: number for number, name in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}


def _month_number(text: str) -> int | None:
    text = text.strip().lower()
    if text.isdigit():
        return int(text)
    for name, number in _MONTHS.items():
        if len(text) >= 3 and name.startswith(text):
            return number
    return None


def parse_date_input(form: Form, name: str, words: str, *, required: bool = True) -> dt.date | None:
    """Read the day, month and year boxes of ``name`` into a date, or add a plain-words error and return None.

    ``words`` names the date in the message ("date of the activity"). The messages follow the GOV.UK
    date input pattern: say which part is missing, or that the date must be a real one.
    """
    day, month, year = (form.value(f"{name}-{part}").strip() for part in ("day", "month", "year"))
    if not (day or month or year):
        if required:
            form.add(name, f"Enter the {words}", anchor=f"{field_id(name)}-day")
        return None
    missing = [part for part, text in (("day", day), ("month", month), ("year", year)) if not text]
    if missing:
        first = {"day": "day", "month": "month", "year": "year"}[missing[0]]
        form.add(name, f"The {words} must include a {' and a '.join(missing)}", anchor=f"{field_id(name)}-{first}")
        return None
    month_number = _month_number(month)
    if not day.isdigit() or month_number is None or not year.isdigit():
        form.add(name, f"The {words} must be a real date, written in numbers, for example 27 3 2026",
                 anchor=f"{field_id(name)}-day")
        return None
    if len(year) != 4:
        form.add(name, f"The year of the {words} must have 4 numbers, for example 2026",
                 anchor=f"{field_id(name)}-year")
        return None
    try:
        return dt.date(int(year), month_number, int(day))
    except ValueError:
        form.add(name, f"The {words} must be a real date, for example 27 3 2026", anchor=f"{field_id(name)}-day")
        return None
