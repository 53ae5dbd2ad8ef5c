"""The administrator's pages: ``/admin/users`` (accounts: list, invite, change role or projects, disable,
new invitation link) and ``/admin/tokens`` (API tokens for machines: create, shown once; list; revoke).

Thin pages over ``ledger.users`` and ``ledger.security.tokens``; the page unit of work commits on success
and keeps nothing when a form has errors. A new link or token secret is shown on the page that answers the
form (never in a redirect, a cookie or a log) and cannot be shown again.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.db.models import ApiToken, Participant, Project, Role
from ledger.db.models_web import UserStatus, WebUser
from ledger.errors import Conflict, Invalid
from ledger.messages.sign_in import email_invitation
from ledger.security import tokens
from ledger.security.actor import Actor
from ledger.users import accounts, invitations
from ledger.web.auth import page_roles
from ledger.web.forms import Form, form_from
from ledger.web.render import page, see_other

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
ADMINS = page_roles()  # administrators only

ROLE_WORDS = {
    Role.ADMIN.value: "Administrator: manages accounts, tokens and settings, and can do everything else",
    Role.LEAD.value: "Co-production lead: records involvement and approves colleagues' records",
    Role.FINANCE.value: "Finance officer: confirms bank details and pays",
    Role.AUDITOR.value: "Auditor or manager: reads reports and the audit trail",
}
TOKEN_ROLE_WORDS = {**ROLE_WORDS, Role.PARTICIPANT.value: "Participant: reads one person's own statements"}


def _projects(session: Session) -> list[tuple[str, str]]:
    return [(p.code, f"{p.code}: {p.name}") for p in session.scalars(select(Project).order_by(Project.code))]


def _base_url(request: Request[Any, Any, Any]) -> str:
    return str(request.base_url).rstrip("/")


class UserPages(Controller):
    path = "/admin/users"
    guards = (ADMINS,)

    @get("/", name="admin-users", sync_to_thread=True)
    def list_users(self, request: Request[Any, Any, Any], db_session: Session) -> Template:
        return page(request, "admin/users.html", {"rows": accounts.user_rows(db_session)})

    def _invite_page(self, request: Request[Any, Any, Any], session: Session, form: Form,
                     status: int = 200) -> Template:
        return page(request, "admin/invite.html", {"form": form, "roles": list(ROLE_WORDS.items()),
                                                   "projects": _projects(session)}, status=status)

    @get("/invite", name="admin-user-invite-form", sync_to_thread=True)
    def invite_form(self, request: Request[Any, Any, Any], db_session: Session) -> Template:
        return self._invite_page(request, db_session, Form())

    @post("/invite", name="admin-user-invite", sync_to_thread=True)
    def invite(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, data: FormBody) -> Template:
        form = form_from(data)
        try:
            invited = invitations.invite(db_session, actor, email=form.value("email"), name=form.value("name"),
                                         role=form.value("role"), projects=form.get_list("projects"))
        except Invalid as exc:
            form.add_problems(exc)
            return self._invite_page(request, db_session, form, 400)
        emailed = form.value("send_email") == "yes"
        if emailed:
            email_invitation(db_session, invited, _base_url(request))
        return page(request, "admin/invitation_link.html",
                    {"user": invited.user, "link": _base_url(request) + invited.link_path,
                     "expires_at": invited.expires_at, "again": False, "emailed": emailed})

    def _user_page(self, request: Request[Any, Any, Any], session: Session, actor: Actor, user: WebUser,
                   form: Form, status: int = 200) -> Template:
        return page(request, "admin/user.html", {
            "user": user, "form": form, "roles": list(ROLE_WORDS.items()), "projects": _projects(session),
            "project_codes": accounts.project_codes(session, user.project_ids), "is_me": user.id == actor.user_id,
            "disabled": user.status == UserStatus.DISABLED, "invited": user.status == UserStatus.INVITED,
        }, status=status)

    @get("/{user_id:int}", name="admin-user", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, user_id: int) -> Template:
        user = accounts.get_user(db_session, user_id)
        form = Form()
        form.values["role"] = user.role
        form.lists["projects"] = accounts.project_codes(db_session, user.project_ids)
        return self._user_page(request, db_session, actor, user, form)

    @post("/{user_id:int}/role", name="admin-user-role", sync_to_thread=True)
    def change(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, user_id: int,
               data: FormBody) -> Template | Redirect:
        form = form_from(data)
        user = accounts.get_user(db_session, user_id)
        try:
            changed = accounts.change_user(db_session, actor, user_id, role=form.value("role"),
                                           projects=form.get_list("projects"))
        except Invalid as exc:
            form.add_problems(exc)
            return self._user_page(request, db_session, actor, user, form, 400)
        return see_other(f"/admin/users/{user_id}", notice=f"{changed.name} is now {changed.role}. It applies from "
                                                           "their next page.")

    @post("/{user_id:int}/disable", name="admin-user-disable", sync_to_thread=True)
    def disable(self, db_session: Session, actor: Actor, user_id: int) -> Redirect:
        done = accounts.disable_user(db_session, actor, user_id)
        return see_other(f"/admin/users/{user_id}", notice=f"{done.name}'s account is disabled. They were signed "
                                                           "out everywhere.")

    @post("/{user_id:int}/invitation", name="admin-user-reinvite", sync_to_thread=True)
    def reinvite(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, user_id: int) -> Template:
        invited = invitations.reinvite(db_session, actor, user_id)
        return page(request, "admin/invitation_link.html",
                    {"user": invited.user, "link": _base_url(request) + invited.link_path,
                     "expires_at": invited.expires_at, "again": True})


def _identity_token_ids(session: Session) -> set[int]:
    return set(session.scalars(select(WebUser.token_id)))


def token_rows(session: Session) -> list[dict[str, Any]]:
    """API tokens made for machines (each web account's own identity token is left out: see WebUser)."""
    hidden = _identity_token_ids(session)
    codes = {pid: code for pid, code in session.execute(select(Project.id, Project.code))}
    refs = {pid: ref for pid, ref in session.execute(select(Participant.id, Participant.reference))}
    rows = []
    for token in tokens.list_tokens(session):
        if token.id in hidden:
            continue
        if token.participant_id is not None:
            scope = f"participant {refs.get(token.participant_id, token.participant_id)}"
        elif token.project_ids:
            scope = ", ".join(codes.get(pid, str(pid)) for pid in token.project_ids)
        else:
            scope = "every project" if token.role == Role.LEAD.value else ""
        rows.append({"id": token.id, "name": token.name, "role": token.role, "scope": scope,
                     "created_at": token.created_at, "revoked_at": token.revoked_at})
    return rows


class TokenPages(Controller):
    path = "/admin/tokens"
    guards = (ADMINS,)

    def _tokens_page(self, request: Request[Any, Any, Any], session: Session, form: Form, status: int = 200,
                     **extra: Any) -> Template:
        return page(request, "admin/tokens.html", {"form": form, "rows": token_rows(session),
                                                   "roles": list(TOKEN_ROLE_WORDS.items()),
                                                   "projects": _projects(session), **extra}, status=status)

    @get("/", name="admin-tokens", sync_to_thread=True)
    def list_tokens(self, request: Request[Any, Any, Any], db_session: Session) -> Template:
        return self._tokens_page(request, db_session, Form())

    @post("/", name="admin-token-create", sync_to_thread=True)
    def create(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor, data: FormBody) -> Template:
        form = form_from(data)
        role = form.value("role")
        if not role:
            form.add("role", "Choose what the token may do")
        participant_id: int | None = None
        reference = form.value("participant").strip().upper()
        if reference:
            participant_id = db_session.scalar(select(Participant.id).where(Participant.reference == reference))
            if participant_id is None:
                form.add("participant", f"There is no participant {reference}; use a reference such as P-0012")
        wanted = form.get_list("projects")
        project_ids = list(db_session.scalars(select(Project.id).where(Project.code.in_(wanted)))) if wanted else None
        if not form.errors:
            try:
                token, secret = tokens.create_token(db_session, form.value("name"), role, project_ids,
                                                    participant_id, actor=actor)
            except Invalid as exc:
                form.add_problems(exc, {"project_ids": "projects", "participant_id": "participant"})
            else:
                return self._tokens_page(request, db_session, Form(), created=token, secret=secret)
        return self._tokens_page(request, db_session, form, 400)

    @post("/{token_id:int}/revoke", name="admin-token-revoke", sync_to_thread=True)
    def revoke(self, db_session: Session, actor: Actor, token_id: int) -> Redirect:
        if token_id in _identity_token_ids(db_session):
            raise Conflict("This token belongs to a web account: disable the account instead.")
        token: ApiToken = tokens.revoke(db_session, token_id, actor=actor)
        return see_other("/admin/tokens", notice=f"Token {token.id} ({token.name}) is revoked. It stops working now.")


PAGES: list[Any] = [UserPages, TokenPages]
