"""The one rule for an e-mail address we can send to: checked when it is typed and again when sending.

Kept in a module of its own (no imports from the rest of the ledger) so that entry
(``ledger.involvement.participants``, used by the API, the lead's pages and imports) and the message
worker (``ledger.messages.compose``) share it without an import cycle.
"""

from __future__ import annotations

PROBLEM = ("is not an e-mail address we can send to: write one address, such as name@example.org, "
           "with no spaces, commas or line breaks")


def usable_address(address: str) -> bool:
    """One plain address (``name@example.org``): no spaces, line breaks, commas or brackets, one ``@``.

    Why: the address is written into the To header and the SMTP envelope; a line break there could add a
    header or a recipient (Python refuses it, but as a crash retried six times), and a comma would name a
    second person in To. Entry refuses such an address with :data:`PROBLEM`; a message to one stored
    before this check fails at once with a reason finance can act on.
    """
    local, at, domain = address.partition("@")
    return bool(at and local and "." in domain.strip(".")) and not any(
        ch.isspace() or ord(ch) < 32 or ord(ch) == 127 or ch in ',;<>()[]"@\\' for ch in local + domain)
