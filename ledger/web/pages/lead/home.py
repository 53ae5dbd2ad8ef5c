"""``/lead``: what needs doing now (records waiting for me, my rejected records, payee changes waiting)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template
from sqlalchemy.orm import Session

from ledger.involvement.record_lists import lead_to_do
from ledger.security.actor import Actor
from ledger.web.pages.lead.common import LEADS, money
from ledger.web.render import page


@get("/lead", name="lead-home", guards=[LEADS], sync_to_thread=True)
def lead_home(request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
    return page(request, "lead/home.html", {"todo": lead_to_do(db_session, actor), "money": money})


PAGES: list[Any] = [lead_home]
