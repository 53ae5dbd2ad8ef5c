"""The UK bank check now lives in :mod:`ledger.bankcheck` (a pure rule every layer may use).

Why it moved: the batch service checks bank details when it builds a batch, and services must not import
``ledger.exports`` (exports are renderers called by the API and CLI). This name stays so existing imports
keep working.
"""

from __future__ import annotations

from ledger.bankcheck import (
    BankCheck,
    Modulus,
    normalise_account_number,
    normalise_sort_code,
    validate_uk_bank,
)

__all__ = ["BankCheck", "Modulus", "normalise_account_number", "normalise_sort_code", "validate_uk_bank"]
