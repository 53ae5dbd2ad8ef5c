"""Domain errors. No HTTP in here: ``ledger.api.errors`` maps each class to a status code once.

Each error carries a plain message and, where it applies, the field (``pointer``) a caller must fix, so
the CLI and the API can both say exactly what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldProblem:
    """One thing wrong with one field of the input (``field`` is a dotted path like ``expenses[0].amount``)."""

    field: str
    message: str


@dataclass
class LedgerError(Exception):
    """Base of every error a user can cause. ``title`` is short; ``detail`` says what to do."""

    detail: str
    problems: list[FieldProblem] = field(default_factory=list)
    title: str = "Request could not be completed"

    def __post_init__(self) -> None:
        super().__init__(self.detail)

    def __str__(self) -> str:
        return self.detail


@dataclass
class NotFound(LedgerError):
    title: str = "Not found"


@dataclass
class Invalid(LedgerError):
    """The input breaks a rule (HTTP 422)."""

    title: str = "Invalid input"


@dataclass
class NoRateInForce(Invalid):
    """The date is before the first version of the rate card: an error, never a zero."""

    title: str = "No rate in force"


@dataclass
class Conflict(LedgerError):
    """The request is valid but the current state forbids it (approving twice, paying a locked line)."""

    title: str = "Conflict with the current state"


@dataclass
class Forbidden(LedgerError):
    title: str = "Not allowed"


@dataclass
class Unauthorized(LedgerError):
    title: str = "Not signed in"


def invalid_field(field_path: str, message: str, *, cls: type[Invalid] = Invalid) -> Invalid:
    """Shortcut for the common case: one field is wrong."""
    return cls(f"{field_path}: {message}", [FieldProblem(field_path, message)])
