"""Every problem with a request body, at once, in plain words: the one place input errors are worded.

msgspec (used by Litestar for request bodies, and by ``ledger.rates.contract`` for quotes) stops at the
first problem and words it for programmers ("Expected `str`, got `int`", "Invalid RFC3339 encoded
date"). When it refuses a body, :func:`problems_in` makes a second pass over the same JSON, decoded to
plain Python values, and checks it field by field against the Struct's annotations, so the answer lists
every problem, each naming its field (``attendees[0].involvement_minutes``) and saying in words what is
wanted::

    statement style must be one of: standard, large_print, easy_read
    date of the activity must be a date written as YYYY-MM-DD, for example 2026-04-06
    involvement minutes of attendee 1 must be a whole number from 0 to 1440

:func:`decode` is the entry point for code that decodes JSON itself; ``ledger.api.errors`` calls
:func:`problems_in` for bodies Litestar refused. :func:`plain_message` rewords a single msgspec message
(query and path parameters, and anything the second pass cannot explain).
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import types
import typing
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

import msgspec

from ledger.errors import FieldProblem, Invalid

T = TypeVar("T")

# Field names whose plain words are not just the name with spaces.
FIELD_WORDS: dict[str, str] = {
    "date": "date of the activity",
    "activity": "kind of activity",
    "rate_card": "rate card",
    "payment_preference": "payment choice",
    "sort_code": "sort code",
    "account_number": "account number",
    "account_name": "name on the bank account",
    "paid_on": "date paid",
    "body": "request body",
    "bank": "bank details",
    "organisation": "organisation details",
    "budget": "budget",
    "mode": "way of taking part",
}
# A field whose words already say where it sits ("miles driven", not "miles of mileage").
NESTED_WORDS: dict[tuple[str, str], str] = {
    ("mileage", "miles"): "miles driven",
    ("mileage", "vehicle"): "vehicle",
    ("mileage", "passengers"): "passengers carried",
    ("mileage", "miles_earlier_in_tax_year"): "miles driven earlier in the tax year",
}
# Money travels as text ("12.40"), never as a JSON number.
AMOUNT_FIELDS = frozenset({"amount", "budget"})
_ITEM_WORDS: dict[str, str] = {"attendees": "attendee", "expenses": "expense", "watch_limits": "watch limit",
                               "lines": "line", "projects": "project", "entries": "entry"}
DATE_EXAMPLE = "2026-04-06"


def words(name: str) -> str:
    return FIELD_WORDS.get(name, name.replace("_", " "))


def describe(path: str) -> str:
    """``attendees[0].expenses[2].amount`` -> ``amount of expense 3 of attendee 1``."""
    if not path or path == "body":
        return "the request body"
    parts: list[str] = []
    parent = ""
    for segment in path.split("."):
        name, *indexes = segment.replace("]", "").split("[")
        if indexes and all(i.isdigit() for i in indexes):
            item = _ITEM_WORDS.get(name, words(name).removesuffix("s") or name)
            parts.append(f"{item} {int(indexes[-1]) + 1}")
        elif (parent, name) in NESTED_WORDS:
            parts[-1] = NESTED_WORDS[(parent, name)]
        else:
            parts.append(words(name))
        parent = name
    return " of ".join(reversed(parts))


def named(path: str) -> str:
    """The field in words, with the path as written in JSON when the words differ from it."""
    said = describe(path)
    return said if not path or said == path.replace("_", " ") else f"{said} ({path})"


def join_path(base: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{base}[{name}]"
    return f"{base}.{name}" if base else name


# ------------------------------------------------------------------------------------ type descriptions


def _unwrap(annotation: Any) -> tuple[Any, list[msgspec.Meta]]:
    metas: list[msgspec.Meta] = []
    while get_origin(annotation) is Annotated:
        base, *extras = get_args(annotation)
        metas.extend(extra for extra in extras if isinstance(extra, msgspec.Meta))
        annotation = base
    return annotation, metas


def _is_union(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType)


def _choices(annotation: Any) -> list[str] | None:
    annotation, _ = _unwrap(annotation)
    if get_origin(annotation) is Literal:
        return [str(value) for value in get_args(annotation)]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [str(member.value) for member in annotation]
    return None


def _range(metas: list[msgspec.Meta]) -> str:
    low = next((m.ge for m in metas if m.ge is not None), None)
    high = next((m.le for m in metas if m.le is not None), None)
    above = next((m.gt for m in metas if m.gt is not None), None)
    if low is not None and high is not None and high < 2**53:
        return f" from {low} to {high}"
    if above is not None:
        return f" greater than {above}"
    if low is not None:
        return f" of at least {low}" if low else " of 0 or more"
    if high is not None and high < 2**53:
        return f" of at most {high}"
    return ""


def wanted(annotation: Any) -> str:
    """What a value of this type looks like, in words ("a whole number from 0 to 1440")."""
    annotation, metas = _unwrap(annotation)
    choices = _choices(annotation)
    if choices is not None:
        return "one of: " + ", ".join(choices)
    if _is_union(annotation):
        options = [a for a in get_args(annotation) if a not in (type(None), msgspec.UnsetType)]
        return " or ".join(dict.fromkeys(wanted(a) for a in options)) or "empty (null)"
    if annotation is bool:
        return "true or false"
    if annotation is int:
        return "a whole number" + _range(metas)
    if annotation is float:
        return "a number" + _range(metas)
    if annotation is Decimal:
        return "an amount written as text, such as \"12.40\""
    if annotation is str:
        return "text"
    if annotation is dt.datetime:
        return "a date and time such as 2026-04-06T14:30:00Z"
    if annotation is dt.date:
        return f"a date written as YYYY-MM-DD, for example {DATE_EXAMPLE}"
    origin = get_origin(annotation) or annotation
    if origin in (list, tuple, set, frozenset):
        return "a list"
    if origin is dict or (isinstance(annotation, type) and issubclass(annotation, msgspec.Struct)):
        return "an object (JSON {...})"
    return "a valid value"


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "an object"


# --------------------------------------------------------------------------------------- the checker


class _Checker:
    """Walks plain JSON values against a type, collecting every problem (never stopping at the first)."""

    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []

    def add(self, path: str, message: str) -> None:
        self.problems.append(FieldProblem(path or "body", f"{named(path)} {message}"))

    def must_be(self, path: str, annotation: Any, value: Any) -> None:
        if _unwrap(annotation)[0] is str and path.rsplit(".", 1)[-1] in AMOUNT_FIELDS:
            self.add(path, f"must be an amount written as text in quotes, such as \"12.40\" (not {value!r})")
            return
        self.add(path, f"must be {wanted(annotation)} (not {_type_name(value)})")

    def check(self, path: str, annotation: Any, value: Any) -> None:
        annotation, metas = _unwrap(annotation)
        if annotation is Any or annotation is object:
            return
        if _is_union(annotation):
            self._union(path, annotation, metas, value)
            return
        if annotation is type(None):
            if value is not None:
                self.add(path, "must be empty (null)")
            return
        if value is None:
            self.add(path, f"must not be empty (null): give {wanted(annotation)}")
            return
        choices = _choices(annotation)
        if choices is not None:
            if str(value) not in choices or not isinstance(value, str | int) or isinstance(value, bool):
                shown = f"{value!r}" if isinstance(value, str | int | float) else _type_name(value)
                self.add(path, f"must be one of: {', '.join(choices)} (not {shown})")
            return
        origin = get_origin(annotation) or annotation
        if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
            self._struct(path, annotation, value)
        elif origin in (list, tuple, set, frozenset):
            self._sequence(path, annotation, metas, value)
        elif origin is dict:
            if not isinstance(value, dict):
                self.must_be(path, annotation, value)
        else:
            self._scalar(path, annotation, metas, value)

    def _union(self, path: str, annotation: Any, metas: list[msgspec.Meta], value: Any) -> None:
        options = [a for a in get_args(annotation) if a is not msgspec.UnsetType]
        if value is None:
            if type(None) not in options:
                self.add(path, f"must not be empty (null): give {wanted(annotation)}")
            return
        real = [a for a in options if a is not type(None)]
        best: list[FieldProblem] | None = None
        for option in real:
            trial = _Checker()
            trial.check(path, Annotated[option, *metas] if metas else option, value)
            if not trial.problems:
                return
            if best is None or len(trial.problems) < len(best):
                best = trial.problems
        if len(real) == 1 and best is not None:
            self.problems.extend(best)
        else:
            self.must_be(path, annotation, value)

    def _struct(self, path: str, struct: type[msgspec.Struct], value: Any) -> None:
        if not isinstance(value, dict):
            self.must_be(path, struct, value)
            return
        info = msgspec.inspect.type_info(struct)
        assert isinstance(info, msgspec.inspect.StructType)
        hints = typing.get_type_hints(struct, include_extras=True)
        known = {f.encode_name: f for f in info.fields}
        config = getattr(struct, "__struct_config__", None)
        if config is not None and config.forbid_unknown_fields:
            for name in value:
                if name not in known:
                    self.add(join_path(path, name), "is not a field here; the fields are: " + ", ".join(known))
        for name, field_info in known.items():
            if name not in value:
                if field_info.required:
                    self.add(join_path(path, name), f"is required: give {wanted(hints[field_info.name])}")
                continue
            self.check(join_path(path, name), hints[field_info.name], value[name])

    def _sequence(self, path: str, annotation: Any, metas: list[msgspec.Meta], value: Any) -> None:
        if not isinstance(value, list):
            self.must_be(path, annotation, value)
            return
        longest = next((m.max_length for m in metas if m.max_length is not None), None)
        shortest = next((m.min_length for m in metas if m.min_length is not None), None)
        if longest is not None and len(value) > longest:
            self.add(path, f"can hold at most {longest} items (it has {len(value)}); send fewer")
            return  # naming each of 100,000 items helps nobody
        if shortest is not None and len(value) < shortest:
            self.add(path, f"needs at least {shortest} item{'s' if shortest != 1 else ''}")
        args = get_args(annotation)
        if not args:
            return
        if get_origin(annotation) is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                self.add(path, f"must hold exactly {len(args)} items")
                return
            for index, (item_type, item) in enumerate(zip(args, value, strict=True)):
                self.check(join_path(path, index), item_type, item)
            return
        for index, item in enumerate(value):
            self.check(join_path(path, index), args[0], item)

    def _scalar(self, path: str, annotation: Any, metas: list[msgspec.Meta], value: Any) -> None:
        if annotation is bool:
            if not isinstance(value, bool):
                self.must_be(path, annotation, value)
            return
        if annotation is int:
            if isinstance(value, bool) or not isinstance(value, int):
                self.add(path, f"must be {wanted(Annotated[int, *metas] if metas else int)}"
                         f" (not {_type_name(value) if not isinstance(value, float) else value})")
                return
            self._bounds(path, annotation, metas, value)
            return
        if annotation is float:
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.must_be(path, annotation, value)
                return
            self._bounds(path, annotation, metas, value)
            return
        if annotation is Decimal:
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                self.must_be(path, annotation, value)
                return
            try:
                Decimal(str(value))
            except InvalidOperation:
                self.must_be(path, annotation, value)
            return
        if annotation in (dt.date, dt.datetime):
            self._when(path, annotation, value)
            return
        if annotation is str:
            if not isinstance(value, str):
                self.must_be(path, annotation, value)
                return
            self._text(path, metas, value)
            return
        if annotation is bytes and not isinstance(value, str):
            self.must_be(path, annotation, value)

    def _bounds(self, path: str, annotation: Any, metas: list[msgspec.Meta], value: float) -> None:
        for meta in metas:
            if (meta.ge is not None and value < meta.ge) or (meta.gt is not None and value <= meta.gt) or (
                meta.le is not None and value > meta.le
            ) or (meta.lt is not None and value >= meta.lt):
                self.add(path, f"must be {wanted(Annotated[annotation, *metas])} (not {value})")
                return

    def _text(self, path: str, metas: list[msgspec.Meta], value: str) -> None:
        for meta in metas:
            if meta.min_length is not None and len(value) < meta.min_length:
                self.add(path, "must not be empty" if meta.min_length == 1
                         else f"must be at least {meta.min_length} characters long")
                return
            if meta.max_length is not None and len(value) > meta.max_length:
                self.add(path, f"must be at most {meta.max_length} characters long (it has {len(value)})")
                return
            if meta.pattern is not None and re.search(meta.pattern, value) is None:
                hint = f": {meta.description}" if meta.description else ""
                self.add(path, f"is not written the way it should be{hint}")
                return

    def _when(self, path: str, annotation: Any, value: Any) -> None:
        if not isinstance(value, str):
            self.must_be(path, annotation, value)
            return
        try:
            msgspec.json.decode(msgspec.json.encode(value), type=annotation)
        except msgspec.ValidationError:
            if annotation is dt.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                self.add(path, f"is not a real date ({value!r} does not exist in the calendar)")
            else:
                self.add(path, f"must be {wanted(annotation)} (not {value!r})")


def problems_in(value: Any, annotation: Any) -> list[FieldProblem]:
    """Every problem with ``value`` (plain JSON values) as ``annotation``; ``[]`` if none is found."""
    checker = _Checker()
    try:
        checker.check("", annotation, value)
    except RecursionError:  # deeper than the API lets through (see ledger.api.limits), but be safe
        return [FieldProblem("body", "the request body is nested too deeply")]
    return checker.problems


# -------------------------------------------------------------------------------- msgspec's own words

_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_EXPECTED = re.compile(r"^Expected `(?P<want>[^`]+)`(?:, got `(?P<got>[^`]+)`)?(?P<rest>.*)$")
_WANTED_WORDS = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true or false",
                 "array": "a list", "object": "an object (JSON {...})", "null": "empty (null)",
                 "decimal": "an amount such as \"12.40\"", "date": f"a date written as YYYY-MM-DD, e.g. {DATE_EXAMPLE}",
                 "datetime": "a date and time such as 2026-04-06T14:30:00Z"}


def plain_message(message: str, path: str = "") -> tuple[str, str]:
    """msgspec's message -> (field path, plain words). Used when there is no type to walk.

    ``path`` names the field when the message does not (Litestar strips the ``- at `$.x``` part).
    """
    found = _AT.search(message)
    if found:
        path = found.group("path").lstrip(".")
        message = message[: found.start()]
    missing = re.match(r"Object missing required field `(?P<name>[^`]+)`", message)
    if missing:
        path = join_path(path, missing.group("name"))
        return path, f"{named(path)} is required"
    unknown = re.match(r"Object contains unknown field `(?P<name>[^`]+)`", message)
    if unknown:
        path = join_path(path, unknown.group("name"))
        return path, f"{named(path)} is not a field here"
    if message.startswith("Invalid RFC3339 encoded date"):
        return path, f"{named(path)} must be {_WANTED_WORDS['date']}"
    if message.startswith("Invalid RFC3339 encoded datetime"):
        return path, f"{named(path)} must be {_WANTED_WORDS['datetime']}"
    if message.startswith("Invalid enum value"):
        given = message.removeprefix("Invalid enum value ")
        return path, f"{named(path)} is not one of the allowed values ({given})"
    expected = _EXPECTED.match(message)
    if expected:
        want, rest = expected.group("want"), expected.group("rest").strip()
        words_for = _WANTED_WORDS.get(want.split(" | ")[0], "a different kind of value")
        if rest.startswith(("of length <=", "of length >=")):
            limit = rest.rsplit(" ", 1)[-1]
            kind = "items" if want == "array" else "characters"
            side = "at most" if "<=" in rest else "at least"
            return path, f"{named(path)} must have {side} {limit} {kind}"
        if rest[:2] in (">=", "<=", "> ", "< ") or rest[:1] in (">", "<"):
            bound = rest.replace(">=", "of at least").replace("<=", "of at most")
            return path, f"{named(path)} must be {words_for} {bound}"
        if rest.startswith("matching regex"):
            return path, f"{named(path)} is not written the way it should be"
        return path, f"{named(path)} must be {words_for}"
    return path, f"{named(path)} is not valid"


def problems_from_error(error: msgspec.ValidationError | str, raw: bytes | None, annotation: Any) -> list[FieldProblem]:
    """All problems behind a msgspec refusal: the second pass when the body can be read, else the reworded one."""
    message = str(error)
    found: list[FieldProblem] = []
    if raw is not None and raw.strip():
        try:
            found = problems_in(msgspec.json.decode(raw), annotation)
        except msgspec.DecodeError:
            found = []
        except RecursionError:
            return [FieldProblem("body", "the request body is nested too deeply")]
    if not found:  # the second pass trusts nothing it cannot explain: fall back to msgspec's one problem
        first_path, first_words = plain_message(message)
        found.append(FieldProblem(first_path or "body", first_words))
    return found


# A message that goes on from the field's words ("... must be", "... is required"); others follow a colon.
_GOES_ON = ("must ", "is ", "are ", "can ", "cannot ", "needs ", "has ", "have ", "should ", "was ", "does ")


def plain_problem(problem: FieldProblem) -> FieldProblem:
    """The problem with its message starting from the field in plain words (``FIELD_WORDS``).

    Services word a problem relative to its field (``FieldProblem("mileage.miles", "must be a whole
    number...")``) or name the field as written in JSON (``"expenses[0].amount '1.234' has..."``); either
    way people read "miles driven (mileage.miles) must be a whole number...". A message that already starts
    with the field's words is kept as it is, so rewording twice changes nothing.
    """
    field, message = problem.field, problem.message.strip()
    if not field or field == "body":
        return problem
    said, full = describe(field), named(field)
    if message.lower().startswith((said.lower(), full.lower())):
        return problem
    segments = field.split(".")
    for start in range(len(segments)):  # "expenses[0].amount ..." for attendees[2].expenses[0].amount
        written = ".".join(segments[start:])
        if message.startswith(written + " ") or message.startswith(written + ":"):
            rest = message[len(written):].lstrip(": ")
            return FieldProblem(field, f"{full} {rest}" if rest.startswith(_GOES_ON) or rest[:1] in "'\"" else
                                f"{full}: {rest}")
    if message.startswith(_GOES_ON):
        return FieldProblem(field, f"{full} {message}")
    return FieldProblem(field, f"{full}: {message}")


def plain_error(detail: str, problems: list[FieldProblem]) -> tuple[str, list[FieldProblem]]:
    """A refusal's detail and problems in plain words.

    A detail that only strings the problems together as ``field: message; ...`` (what services and
    ``ledger.errors.invalid_field`` write) is rewritten from the reworded problems; a detail written as a
    sentence for people is kept.
    """
    if not problems:
        return detail, problems
    plain = [plain_problem(p) for p in problems]
    mechanical = {"; ".join(f"{p.field}: {p.message}" for p in problems),
                  "; ".join(f"{p.field}: {p.message}" for p in problems) + "."}
    if detail.strip() in mechanical:
        return invalid(plain).detail, plain
    return detail, plain


def invalid(problems: list[FieldProblem]) -> Invalid:
    """One ``Invalid`` naming every problem; its detail lists them all in plain words."""
    count = len(problems)
    if not count:
        return Invalid("The request is not valid. Check it against the API description and send it again.")
    lead = "There is a problem with the request" if count == 1 else f"There are {count} problems with the request"
    return Invalid(f"{lead}: " + "; ".join(p.message for p in problems) + ".", problems)


def decode(raw: bytes, annotation: type[T]) -> T:
    """Decode JSON as ``annotation``; on failure raise ``Invalid`` naming every problem in plain words."""
    try:
        return msgspec.json.decode(raw, type=annotation)
    except msgspec.ValidationError as exc:
        raise invalid(problems_from_error(exc, raw, annotation)) from None
    except RecursionError:
        raise Invalid(
            "The request body is nested too deeply to read. Send a flatter JSON object.",
            [FieldProblem("body", "the request body is nested too deeply")],
            title="Malformed request body",
        ) from None
    except msgspec.DecodeError as exc:
        raise Invalid(
            f"The request body is not valid JSON ({exc}). Send a JSON object.",
            [FieldProblem("body", f"the request body is not valid JSON ({exc})")],
            title="Malformed request body",
        ) from None


def iter_fields(annotation: Any) -> Iterator[str]:
    """The top-level field names of a Struct (for messages about an empty body)."""
    annotation, _ = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        yield from (f.encode_name for f in msgspec.inspect.type_info(annotation).fields)  # type: ignore[attr-defined]
