"""``POST /quotes`` for a named participant: the quote plus the watch limits it would cross.

The quote route is public (rates are not secret), but a participant's earnings are: asking about a
named participant needs a token that may read that participant (a lead of a project the person belongs
to, an auditor, an administrator, or the participant's own token). The look-back figures (miles earlier
in the tax year, fees already approved that day) come from the ledger, as they would at approval; a
``miles_earlier_in_tax_year`` sent by the client is replaced by the ledger's own count for a named
participant.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.db.models import Participant, Role
from ledger.errors import Unauthorized, invalid_field
from ledger.involvement.access import ensure_role
from ledger.involvement.calc import quote_part
from ledger.involvement.membership import ensure_participant_visible
from ledger.involvement.schemas import MAX_ID
from ledger.involvement.watch import warnings_for
from ledger.rates.contract import QuoteRequest, QuoteResponse, run_quote, to_response
from ledger.rates.registry import CardRegistry, default_registry
from ledger.security.actor import Actor


def quote_with_warnings(
    session: Session, actor: Actor | None, request: QuoteRequest, *, registry: CardRegistry | None = None
) -> QuoteResponse:
    """The quote; with ``participant``, also the ledger's look-back figures and watch-limit warnings."""
    cards = registry or default_registry()
    if request.participant is None:
        return run_quote(request, cards)
    if actor is None:
        raise Unauthorized("A quote for a named participant needs a token: their earnings are private.")
    ensure_role(actor, Role.LEAD, Role.AUDITOR, Role.PARTICIPANT, doing="quote for a named participant")
    actor.ensure_participant(request.participant)
    # Ids are BIGINT: a larger one overflowed the database driver (a 500); it cannot exist, so say so.
    in_range = 1 <= request.participant <= MAX_ID
    participant = session.get(Participant, request.participant) if in_range else None
    if participant is None:
        raise invalid_field("participant", f"there is no participant with id {request.participant}")
    ensure_participant_visible(session, actor, participant.id, doing="quote for")
    card = cards.get(request.rate_card)
    quote = quote_part(
        session, card, participant_id=participant.id, on=request.date, activity=request.activity,
        mode=request.mode, part=request, mileage=request.mileage, expenses=request.expenses,
    )
    warnings = warnings_for(session, participant, request.date, quote.fees_total, currency=quote.currency)
    return to_response(quote, warnings)
