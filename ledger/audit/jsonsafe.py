"""Turning audit values into plain JSON, the same way every time, so their hashes can be recomputed.

Dates become ISO text, ``Decimal`` becomes its exact text, enums their value. Floats are refused: the
ledger never holds money as a float, and a float in the audit trail would be a bug worth hearing about.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ledger.audit.personal import mask_personal


def to_jsonable(value: Any) -> Any:
    """A JSON-safe copy of ``value`` (dicts with string keys, lists, str, int, bool, None)."""
    if value is None or isinstance(value, bool | int | str):
        return value.value if isinstance(value, enum.Enum) else value
    if isinstance(value, float):
        raise TypeError("floats are not allowed in the audit trail: use Decimal or integer minor units")
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [to_jsonable(item) for item in value]
        return sorted(items, key=canonical_json) if isinstance(value, set | frozenset) else items
    if isinstance(value, bytes):
        raise TypeError("bytes are not allowed in the audit trail")
    raise TypeError(f"cannot record a {type(value).__name__} in the audit trail")


def audit_payload(data: Mapping[str, Any] | None, entity: str | None = None) -> dict[str, Any] | None:
    """What is stored as ``before``/``after``: JSON-safe, with bank details and personal fields masked
    (``ledger.audit.personal``; ``entity`` says whether ``name`` is a person's name)."""
    if data is None:
        return None
    return mask_personal(to_jsonable(data), entity=entity)


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with microseconds; a naive value (SQLite reads them back naive) is taken as UTC."""
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, non-ASCII kept as is: one text for one value."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
