"""UK sort code and account number checks: the format, then the Vocalink modulus check.

What the modulus check proves, and what it does not: Vocalink (Pay.UK) publishes weight tables that
say, for each range of sort codes, how the digits of an account number must add up. Passing means the
number *could* be a real account at that sort code; it does not mean the account exists, is open, or
belongs to the person named. Failing means the pair cannot be right (a typing slip, usually) as long
as the tables are current. A sort code missing from the tables cannot be checked at all, and Vocalink
says such numbers must be treated as possibly valid. So nothing here ever says "valid": the strongest
answer is :attr:`BankCheck.could_be_valid`.

The modulus arithmetic comes from the PyPI package ``uk-mod-check`` (bundled tables). It was checked
against all 34 test cases Vocalink publishes in "Validating account numbers" (tests/exports/
test_bankcheck.py); it passes all of them. Its tables are a snapshot: a bank that changes its rules
after the package was built can make a real account fail, so finance can still choose to send a
payment after confirming details with the payee (see docs/finance.md).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import uk_mod_check

from ledger.errors import FieldProblem

_SEPARATORS_RE = re.compile(r"[\s\-]+")
_SORT_CODE_RE = re.compile(r"[0-9]{6}")
_ACCOUNT_RE = re.compile(r"[0-9]{8}")


class Modulus(enum.StrEnum):
    """Outcome of the Vocalink modulus check."""

    PASSED = "passed"  # the number could be valid at this sort code
    FAILED = "failed"  # the number cannot be valid at this sort code (per the bundled tables)
    NOT_CHECKABLE = "not_checkable"  # the sort code is not in the tables: no check is possible
    NOT_RUN = "not_run"  # the format was wrong, so the check was not attempted


@dataclass(frozen=True, slots=True)
class BankCheck:
    """What we could tell about a sort code and account number, in plain words."""

    sort_code: str | None  # six digits, separators removed, when the format was right
    account_number: str | None  # eight digits, when the format was right
    format_ok: bool
    modulus: Modulus
    message: str
    problems: tuple[FieldProblem, ...] = ()

    @property
    def could_be_valid(self) -> bool:
        """Right format and not refused by the modulus check. Never proof the account exists."""
        return self.format_ok and self.modulus is not Modulus.FAILED

    @property
    def display_sort_code(self) -> str:
        """``12-34-56`` for people; empty when the format was wrong."""
        if self.sort_code is None:
            return ""
        return f"{self.sort_code[0:2]}-{self.sort_code[2:4]}-{self.sort_code[4:6]}"


def normalise_sort_code(value: str | None) -> str | None:
    """Six ASCII digits with spaces and dashes removed, or ``None`` when that is not what was given."""
    if value is None:
        return None
    text = _SEPARATORS_RE.sub("", value)
    return text if _SORT_CODE_RE.fullmatch(text) else None


def normalise_account_number(value: str | None) -> str | None:
    """Eight ASCII digits with spaces and dashes removed, or ``None`` when that is not what was given."""
    if value is None:
        return None
    text = _SEPARATORS_RE.sub("", value)
    return text if _ACCOUNT_RE.fullmatch(text) else None


def validate_uk_bank(sort_code: str | None, account_number: str | None) -> BankCheck:
    """Check the format of both numbers and, when that is right, run the Vocalink modulus check.

    Dashes and spaces are accepted and removed (``12-34-56``, ``12 34 56``). Only the digits 0-9 are
    accepted: digits from other scripts are refused rather than converted.
    """
    problems: list[FieldProblem] = []
    sort = normalise_sort_code(sort_code)
    account = normalise_account_number(account_number)
    if sort_code is None or not sort_code.strip():
        problems.append(FieldProblem("sort_code", "the sort code is missing"))
    elif sort is None:
        problems.append(FieldProblem("sort_code", "a sort code is 6 digits, like 12-34-56"))
    if account_number is None or not account_number.strip():
        problems.append(FieldProblem("account_number", "the account number is missing"))
    elif account is None:
        problems.append(FieldProblem("account_number", "an account number is 8 digits, like 12345678"))
    if sort is None or account is None:
        message = "; ".join(p.message for p in problems)
        return BankCheck(sort, account, False, Modulus.NOT_RUN, message[0].upper() + message[1:] + ".",
                         tuple(problems))
    result = uk_mod_check.validate(int(sort), int(account))
    if not result.known_sort_code:
        return BankCheck(sort, account, True, Modulus.NOT_CHECKABLE,
                         "The format is right. This sort code is not in the modulus tables, so the "
                         "account number could not be checked; confirm the details with the payee.")
    if result.result:
        return BankCheck(sort, account, True, Modulus.PASSED,
                         "The format is right and the account number could be valid at this sort code. "
                         "This does not prove the account exists or whose it is.")
    problem = FieldProblem("account_number",
                           "this account number cannot be valid at this sort code (modulus check failed)")
    return BankCheck(sort, account, True, Modulus.FAILED,
                     "This account number cannot be valid at this sort code: the modulus check failed. "
                     "Check both numbers with the payee.", (problem,))
