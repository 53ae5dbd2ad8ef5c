"""Keeping people out of the audit trail: references and masked values, never names or contact details.

The audit trail is kept for ever and cannot be edited, so anything personal written into it could never
be erased (UK GDPR right to erasure, ``ledger participants erase``). It therefore keeps the participant's
*reference* (``P0012``) and masked values that let a person recognise a change ("A*** L***" became
"A*** K***", "****5678" became "****1234") without the trail holding who they are.

``record_event`` applies :func:`mask_personal` to every ``before``/``after`` it stores, so writers cannot
forget. ``name`` is personal only for entities that are people (a project or a token also has a name,
which is not personal and is worth keeping), so callers pass the entity.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.security.masking import mask_sensitive

# Keys whose values are personal whatever entity the event is about.
NAME_KEYS = frozenset({"preferred_name", "bank_account_name", "account_name", "contact_name"})
EMAIL_KEYS = frozenset({"email", "contact_email"})
PHONE_KEYS = frozenset({"phone", "contact_phone"})
HIDDEN_KEYS = frozenset({"address", "postal_address", "postcode", "date_of_birth"})
# Entities (audit ``entity`` values) that are people: their ``name`` is personal too.
PERSON_ENTITIES = frozenset({"participant", "payee_change", "participant_change"})
# Nested objects that describe a person, whatever the event is about (e.g. ``{"participant": {...}}``).
PERSON_KEYS = frozenset({"participant", "payee", "person"})

HIDDEN = "***"


def mask_name(value: str) -> str:
    """``"Ada Lovelace"`` -> ``"A*** L***"``: initials only, so a change is visible but not the name."""
    words = value.split()
    return " ".join(word[0] + "***" for word in words) if words else value


def mask_email(value: str) -> str:
    """``"ada@example.org"`` -> ``"a***@***"``: neither the mailbox nor the domain is kept."""
    if not value.strip():
        return value
    return value.strip()[0] + "***@***"


def mask_phone(value: str) -> str:
    """``"07700 900123"`` -> ``"***23"``: the last two digits, enough to tell two numbers apart."""
    digits = [ch for ch in value if ch.isdigit()]
    if not digits:
        return value if not value.strip() else HIDDEN
    return HIDDEN + "".join(digits[-2:])


def _mask_value(key: str, value: Any, *, person: bool) -> Any:
    if not isinstance(value, str):
        return value
    if key in NAME_KEYS or (person and key == "name"):
        return mask_name(value)
    if key in EMAIL_KEYS:
        return mask_email(value)
    if key in PHONE_KEYS:
        return mask_phone(value)
    if key in HIDDEN_KEYS:
        return HIDDEN if value else value
    return value


def _walk(data: Any, *, person: bool) -> Any:
    if isinstance(data, Mapping):
        masked: dict[str, Any] = {}
        for key, value in data.items():
            inner = person or key in PERSON_KEYS
            if isinstance(value, list):
                masked[key] = [
                    _walk(item, person=inner) if isinstance(item, Mapping | list)
                    else _mask_value(str(key), item, person=person)
                    for item in value
                ]
            elif isinstance(value, Mapping):
                masked[key] = _walk(value, person=inner)
            else:
                masked[key] = _mask_value(str(key), value, person=person)
        return masked
    if isinstance(data, list):
        return [_walk(item, person=person) for item in data]
    return data


def mask_personal(data: Mapping[str, Any] | None, *, entity: str | None = None) -> dict[str, Any] | None:
    """A copy of ``data`` with names, contact details and bank details masked, however deeply nested.

    ``entity`` is the audit entity the data describes; for people (``participant``, ``payee_change``)
    their ``name`` is masked too. Masking is idempotent: masked values stay as they are.
    """
    if data is None:
        return None
    # A participant's own token is usually named after them ("Ada Lovelace"); staff tokens keep their name.
    person = entity in PERSON_ENTITIES or (entity == "api_token" and data.get("participant_id") is not None)
    masked = _walk(mask_sensitive(dict(data)), person=person)
    assert isinstance(masked, dict)
    return masked
