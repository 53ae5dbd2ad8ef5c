"""Each person's choice of how we contact them: e-mail, post, or no messages at all.

The one rule for that choice, used by the participant service (create and change), every sender of
messages and the letters: never a second copy of it.

* ``email``: messages go by e-mail when we have an address. Without one nothing can be sent; the sender
  says so (``no_email``), it is not an error to record a person without an address.
* ``post``: a printed letter instead of an e-mail; the postal address is required, at most six lines so
  it fits the window of a DL envelope.
* ``none``: no messages at all, not even a letter. Documents can still be downloaded by staff.

Sign-in e-mails are not "messages" in this sense: the person asks for them at that moment.
"""

from __future__ import annotations

from ledger.db.models_messages import ContactPreference
from ledger.errors import FieldProblem

CONTACT_PREFERENCES: tuple[str, ...] = tuple(p.value for p in ContactPreference)
MAX_ADDRESS_CHARS = 400
MAX_ADDRESS_LINES = 6


def address_lines(address: str | None) -> tuple[str, ...]:
    """A postal address as its lines: new lines or commas separate them, blank parts dropped."""
    if not address:
        return ()
    parts = address.replace("\r", "\n").replace(",", "\n").split("\n")
    return tuple(part.strip() for part in parts if part.strip())


def contact_problems(preference: str, email: str | None, postal_address: str | None) -> list[FieldProblem]:
    """Every problem with a contact choice, in plain words (empty when it is fine)."""
    problems: list[FieldProblem] = []
    if preference not in CONTACT_PREFERENCES:
        problems.append(FieldProblem("contact_preference",
                                     f"{preference!r} is not a choice; use one of: {', '.join(CONTACT_PREFERENCES)}"))
    if postal_address is not None and len(postal_address) > MAX_ADDRESS_CHARS:
        problems.append(FieldProblem("postal_address", f"must be at most {MAX_ADDRESS_CHARS} characters"))
    lines = address_lines(postal_address)
    if len(lines) > MAX_ADDRESS_LINES:
        problems.append(FieldProblem("postal_address", f"has {len(lines)} lines; at most {MAX_ADDRESS_LINES} fit the "
                                                       "envelope window (separate lines with commas)"))
    if preference == ContactPreference.POST and not lines:
        problems.append(FieldProblem("postal_address", "a postal address is needed to send letters by post"))
    return problems
