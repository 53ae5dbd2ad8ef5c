"""Masking bank details wherever they are shown or kept outside the bank file.

A full sort code and account number are only needed to pay someone. Everywhere else (API responses,
the audit trail, logs) we keep just the last two digits of the sort code and the last four of the
account number: enough for a person to recognise their own account, not enough to misuse it.
"""

from __future__ import annotations

from typing import Any

# Keys that hold bank details in the dictionaries we audit or log; their values are masked on sight.
SORT_CODE_KEYS = frozenset({"sort_code", "bank_sort_code"})
ACCOUNT_NUMBER_KEYS = frozenset({"account_number", "bank_account_number"})


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


def mask_sort_code(sort_code: str | None) -> str | None:
    """``"12-34-56"`` or ``"123456"`` -> ``"**-**-56"``. ``None`` stays ``None``."""
    if sort_code is None:
        return None
    digits = _digits(sort_code)
    return f"**-**-{digits[-2:]}" if len(digits) >= 2 else "**-**-**"


def mask_account_number(account_number: str | None) -> str | None:
    """``"12345678"`` -> ``"****5678"``. ``None`` stays ``None``."""
    if account_number is None:
        return None
    digits = _digits(account_number)
    return f"****{digits[-4:]}" if len(digits) >= 4 else "********"


def mask_bank(sort_code: str | None, account_number: str | None) -> tuple[str | None, str | None]:
    """Both parts masked at once: ``("123456", "12345678")`` -> ``("**-**-56", "****5678")``."""
    return mask_sort_code(sort_code), mask_account_number(account_number)


def is_masked(value: str) -> bool:
    return value.startswith("*")


def mask_sensitive(data: Any) -> Any:
    """Return a copy of ``data`` with every bank-detail value masked, however deeply nested.

    Used by the audit trail as a safety net, so a caller that forgets to mask cannot leak an account.
    """
    if isinstance(data, dict):
        masked: dict[Any, Any] = {}
        for key, value in data.items():
            if key in SORT_CODE_KEYS and isinstance(value, str) and not is_masked(value):
                masked[key] = mask_sort_code(value)
            elif key in ACCOUNT_NUMBER_KEYS and isinstance(value, str) and not is_masked(value):
                masked[key] = mask_account_number(value)
            else:
                masked[key] = mask_sensitive(value)
        return masked
    if isinstance(data, list | tuple):
        return [mask_sensitive(item) for item in data]
    return data
