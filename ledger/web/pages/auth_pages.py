"""Signing in and out: ``/``, ``/sign-in``, ``/sign-in/code``, ``/sign-in/link/{token}``,
``/invitations/{token}``, ``/sign-out``.

Thin pages over ``ledger.users``. A sign-in attempt runs in its own transaction and is committed even when
it is refused, because the failure count and the audit event must be kept (the page unit of work would
roll a 400 back). Signing in always starts a new session (a session id known before signing in is never
reused) and ends the one the browser had.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from ledger.api.database import database_of
from ledger.db.engine import transaction
from ledger.errors import LedgerError
from ledger.users import invitations, sessions, signin
from ledger.users.passwords import MAX_LENGTH, MIN_LENGTH, RULES_IN_WORDS
from ledger.web.auth import (
    SIGN_IN_PATH,
    clear_session_cookie,
    home_for,
    safe_next,
    session_cookie,
    session_secret,
    signed_in,
)
from ledger.web.forms import Form, read_form
from ledger.web.render import page, see_other


def _client_address(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


def _signed_in_redirect(request: Request[Any, Any, Any], outcome: signin.Outcome, wanted: str | None,
                        notice: str | None = None) -> Response[Any]:
    assert outcome.secret is not None and outcome.signed_in is not None
    target = safe_next(wanted) or home_for(outcome.signed_in.role)
    response = see_other(target, notice=notice)
    response.cookies.append(session_cookie(request.scope, outcome.secret))
    return response


def _attempt(request: Request[Any, Any, Any], work: Any) -> signin.Outcome:
    """Run one sign-in attempt in its own committed transaction, ending the browser's old session."""
    factory = database_of(request.scope).session_factory
    old = session_secret(request.scope)
    with transaction(factory) as session:
        outcome: signin.Outcome = work(session)
        if outcome.ok and old:
            sessions.end(session, old, reason="replaced")
    return outcome


# ------------------------------------------------------------------------------------------ home


@get("/", name="home", sync_to_thread=False)
def home(request: Request[Any, Any, Any]) -> Redirect:
    """Signed in: your role's home page. Signed out: the sign-in page."""
    who = signed_in(request)
    return Redirect(path=home_for(who.role) if who else SIGN_IN_PATH, status_code=303)


# ------------------------------------------------------------------------------------------ password


def _sign_in_page(request: Request[Any, Any, Any], form: Form, status: int = 200) -> Template:
    return page(request, "auth/sign_in.html", {"form": form, "next": safe_next(form.value("next")) or ""},
                status=status)


@get("/sign-in", name="sign-in", sync_to_thread=False)
def sign_in_form(request: Request[Any, Any, Any], next: str | None = None) -> Response[Any]:
    who = signed_in(request)
    if who is not None:
        return Redirect(path=safe_next(next) or home_for(who.role), status_code=303)
    form = Form()
    form.values["next"] = safe_next(next) or ""
    return _sign_in_page(request, form)


@post("/sign-in", name="sign-in-send")
async def sign_in(request: Request[Any, Any, Any]) -> Response[Any]:
    form = await read_form(request)
    email, password = form.value("email").strip(), form.value("password")
    if not email:
        form.add("email", "Enter your email address")
    if not password:
        form.add("password", "Enter your password")
    if form.errors:
        return _sign_in_page(request, form, 400)
    address = _client_address(request)
    outcome = await anyio.to_thread.run_sync(
        _attempt, request, lambda s: signin.with_password(s, email, password, address))
    if not outcome.ok:
        form.add("email", outcome.message or signin.WRONG_PASSWORD)
        return _sign_in_page(request, form, 429 if outcome.paused_until else 400)
    return _signed_in_redirect(request, outcome, form.value("next"))


# ------------------------------------------------------------------------------------------ codes


def _code_page(request: Request[Any, Any, Any], form: Form, status: int = 200) -> Template:
    return page(request, "auth/sign_in_code.html", {"form": form}, status=status)


@get("/sign-in/code", name="sign-in-code", sync_to_thread=False)
def sign_in_code_form(request: Request[Any, Any, Any]) -> Template:
    return _code_page(request, Form())


@post("/sign-in/code", name="sign-in-code-send")
async def sign_in_code(request: Request[Any, Any, Any]) -> Response[Any]:
    form = await read_form(request)
    typed = form.value("code").strip()
    if not typed:
        form.add("code", "Enter your sign-in code. It has 8 letters and numbers, like KD7P-3MXR")
        return _code_page(request, form, 400)
    address = _client_address(request)
    outcome = await anyio.to_thread.run_sync(_attempt, request, lambda s: signin.with_code(s, typed, address))
    if not outcome.ok:
        form.add("code", outcome.message or signin.WRONG_CODE)
        return _code_page(request, form, 429 if outcome.paused_until else 400)
    return _signed_in_redirect(request, outcome, None)


@get("/sign-in/link/{token:str}", name="sign-in-link", sync_to_thread=False)
def sign_in_link_form(request: Request[Any, Any, Any], token: str) -> Template:
    """Opening the link only shows a button: e-mail scanners that open links must not use it up."""
    return page(request, "auth/sign_in_link.html", {"form": Form(), "token": token})


@post("/sign-in/link/{token:str}", name="sign-in-link-send")
async def sign_in_link(request: Request[Any, Any, Any], token: str) -> Response[Any]:
    address = _client_address(request)
    outcome = await anyio.to_thread.run_sync(_attempt, request, lambda s: signin.with_link(s, token, address))
    if not outcome.ok:
        form = Form()
        form.add_general(outcome.message or signin.WRONG_LINK)
        return page(request, "auth/sign_in_link.html", {"form": form, "token": token, "failed": True},
                    status=429 if outcome.paused_until else 400)
    return _signed_in_redirect(request, outcome, None)


# ------------------------------------------------------------------------------------------ invitations


def _invitation_context(session: Session, token: str) -> dict[str, Any]:
    try:
        user = invitations.invited_user(session, token)
    except LedgerError as exc:
        return {"problem": exc.detail}
    return {"name": user.name, "email": user.email}


def _invitation_page(request: Request[Any, Any, Any], token: str, form: Form, status: int = 200) -> Template:
    factory = database_of(request.scope).session_factory
    with factory() as session:
        context = _invitation_context(session, token)
    if "problem" in context:
        status = 404 if status == 200 else status
    return page(request, "auth/invitation.html",
                {"form": form, "token": token, "rules": RULES_IN_WORDS, "min_length": MIN_LENGTH,
                 "max_length": MAX_LENGTH, **context}, status=status)


@get("/invitations/{token:str}", name="invitation", sync_to_thread=True)
def invitation_form(request: Request[Any, Any, Any], token: str) -> Template:
    return _invitation_page(request, token, Form())


@post("/invitations/{token:str}", name="invitation-send")
async def invitation_accept(request: Request[Any, Any, Any], token: str) -> Response[Any]:
    form = await read_form(request)
    password, confirm = form.value("password"), form.value("confirm")
    if not password:
        form.add("password", "Enter a password")
    elif not confirm:
        form.add("confirm", "Type the same password again")

    def accept() -> str | None:
        with transaction(database_of(request.scope).session_factory) as session:
            return invitations.accept(session, token, password, confirm).email

    if not form.errors:
        try:
            email = await anyio.to_thread.run_sync(accept)
        except LedgerError as exc:
            form.add_problems(exc, fallback="password")
        else:
            return see_other(SIGN_IN_PATH, notice=f"Your password is set. Sign in with {email} and your new "
                                                  "password.")
    form.values.pop("password", None)  # never send a password back into the page
    form.values.pop("confirm", None)
    return await anyio.to_thread.run_sync(lambda: _invitation_page(request, token, form, 400))


# ------------------------------------------------------------------------------------------ sign out


@post("/sign-out", name="sign-out")
async def sign_out(request: Request[Any, Any, Any]) -> Response[Any]:
    """End the session on the server (the cookie alone would not be enough) and forget the cookie."""
    secret = session_secret(request.scope)

    def end() -> None:
        with transaction(database_of(request.scope).session_factory) as session:
            signin.sign_out(session, secret or "")

    if secret:
        await anyio.to_thread.run_sync(end)
    response = see_other(SIGN_IN_PATH, notice="You have signed out.")
    response.cookies.append(clear_session_cookie(request.scope))
    return response


PAGES: list[Any] = [
    home, sign_in_form, sign_in, sign_in_code_form, sign_in_code, sign_in_link_form, sign_in_link,
    invitation_form, invitation_accept, sign_out,
]
