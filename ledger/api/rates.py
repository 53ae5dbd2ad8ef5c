"""Public rate-card routes: the cards, one card in full, and quotes (``POST /quotes`` records nothing).

Quotes are decoded and encoded by ``ledger.rates.contract``, the same functions ``ledger quote`` uses,
so the command line and the API can never disagree on a number or on what input is accepted (Litestar's
own reading of the body as ``QuoteRequest`` is lenient, e.g. it takes "90" for 90; it is kept only so
the OpenAPI document shows the schema).
"""

from __future__ import annotations

import functools
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, get, post
from litestar.params import Parameter
from sqlalchemy.orm import Session

from ledger.api.auth import PUBLIC_ROUTE
from ledger.involvement.calc import checked_together, request_problems
from ledger.involvement.quotes import quote_with_warnings
from ledger.rates.contract import QuoteRequest, QuoteResponse, decode_request, run_quote
from ledger.rates.loader import card_to_document
from ledger.rates.model import RateCard
from ledger.rates.registry import default_registry
from ledger.security.actor import Actor


def card_summary(card: RateCard) -> dict[str, Any]:
    """What a list shows: the card's identity and the dates its versions start (details via its key)."""
    return {
        "key": card.key,
        "name": card.name,
        "currency": card.currency,
        "description": card.description,
        "source": card.source,
        "versions": [version.effective_from for version in card.versions],
    }


class RateCardController(Controller):
    path = "/rate-cards"
    tags = ("Rate cards",)

    @get(
        "/",
        operation_id="listRateCards",
        summary="Every rate card, with its versions",
        sync_to_thread=False,
        **PUBLIC_ROUTE,
    )
    def list_cards(self) -> list[dict[str, Any]]:
        return [card_summary(card) for card in default_registry().cards()]

    @get(
        "/{key:str}",
        operation_id="getRateCard",
        summary="One rate card in full, every version",
        sync_to_thread=False,
        **PUBLIC_ROUTE,
    )
    def get_card(self, key: str = Parameter(description="The card's key, e.g. nihr-style")) -> dict[str, Any]:
        return card_to_document(default_registry().get(key))


class QuoteController(Controller):
    path = "/quotes"
    tags = ("Rate cards",)

    @post(
        "/",
        operation_id="createQuote",
        summary="What an activity would pay, line by line (records nothing)",
        status_code=200,
        **PUBLIC_ROUTE,
    )
    async def quote(
        self, data: QuoteRequest, request: Request[Any, Any, Any], db_session: Session, optional_actor: Actor | None
    ) -> QuoteResponse:
        """Anyone may quote; naming a ``participant`` (token needed) adds their watch-limit warnings."""
        raw = await request.body()
        # Decoding and the engine run in a worker thread: a big quote never holds up other requests.
        return await anyio.to_thread.run_sync(functools.partial(_quote, raw, db_session, optional_actor))


def _quote(raw: bytes, db_session: Session, actor: Actor | None) -> QuoteResponse:
    parsed = decode_request(raw)
    # The date window and huge amounts are refused together with the engine's problems, all at once.
    earlier = request_problems(parsed)
    if parsed.participant is None:
        return checked_together(earlier, lambda: run_quote(parsed))
    return checked_together(earlier, lambda: quote_with_warnings(db_session, actor, parsed))
