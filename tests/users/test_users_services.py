"""The sign-in services: invitations, passwords, codes, sessions, throttling, disabled users (SQLite)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger import clock
from ledger.db.engine import transaction
from ledger.db.models import ApiToken, AuditEvent, Role
from ledger.db.models_web import Invitation, SignInCode, SignInFailure, UserStatus, WebSession, WebUser
from ledger.errors import Conflict, Forbidden, Invalid, NotFound
from ledger.involvement.access import ensure_not_recorder
from ledger.security.actor import Actor
from ledger.users import accounts, codes, invitations, sessions, signin
from ledger.users.passwords import password_problem, verify_password
from ledger.users.secrets import CODE_ALPHABET, normalise_code

ADMIN = Actor.system("Ada Admin")
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
GOOD = "kettle river orange"


def invite(factory: sessionmaker[Session], email: str = "lee@example.org", role: str = "lead",
           projects: tuple[str, ...] = ("ALPHA",)) -> invitations.Invited:
    with transaction(factory) as s:
        return invitations.invite(s, ADMIN, email=email, name="Lee Lead", role=role, projects=projects)


def secret_of(invited: invitations.Invited) -> str:
    return invited.link_path.removeprefix("/invitations/")


def active_user(factory: sessionmaker[Session], email: str = "lee@example.org", **kw: object) -> WebUser:
    invited = invite(factory, email, **kw)  # type: ignore[arg-type]
    with transaction(factory) as s:
        return invitations.accept(s, secret_of(invited), GOOD, GOOD)


def test_invitation_sets_a_hashed_password_once(users_db: sessionmaker[Session]) -> None:
    invited = invite(users_db)
    assert invited.link_path.startswith("/invitations/")
    with users_db() as s:
        row = s.scalar(select(Invitation))
        assert row is not None and secret_of(invited) not in row.token_hash  # only a hash is stored
        token = s.get(ApiToken, invited.user.token_id)
        assert token is not None and token.role == "lead" and token.project_ids == [1]
    with transaction(users_db) as s:
        user = invitations.accept(s, secret_of(invited), GOOD, GOOD)
        assert user.status == UserStatus.ACTIVE
        assert user.password_hash is not None and user.password_hash.startswith("$argon2id$")
        assert verify_password(user.password_hash, GOOD) and not verify_password(user.password_hash, "other words")
    with transaction(users_db) as s, pytest.raises(Conflict, match="already been used"):
        invitations.accept(s, secret_of(invited), GOOD, GOOD)


def test_invitation_expires(users_db: sessionmaker[Session]) -> None:
    with clock.as_of(START):
        invited = invite(users_db)
    with clock.as_of(START + timedelta(days=7, seconds=1)), transaction(users_db) as s, \
            pytest.raises(Conflict, match="run out"):
        invitations.accept(s, secret_of(invited), GOOD, GOOD)
    with transaction(users_db) as s, pytest.raises(NotFound):
        invitations.accept(s, "not-a-real-link", GOOD, GOOD)


def test_a_new_invitation_replaces_the_old_link(users_db: sessionmaker[Session]) -> None:
    first = invite(users_db)
    with transaction(users_db) as s:
        second = invitations.reinvite(s, ADMIN, first.user.id)
    with transaction(users_db) as s, pytest.raises(NotFound):
        invitations.accept(s, secret_of(first), GOOD, GOOD)
    with transaction(users_db) as s:
        invitations.accept(s, secret_of(second), GOOD, GOOD)


@pytest.mark.parametrize(
    ("password", "confirm", "field", "words"),
    [
        ("short", "short", "password", "at least 10 characters"),
        ("password123", "password123", "password", "most common"),
        ("Pass Word 123", "Pass Word 123", "password", "most common"),
        ("lee@example.org", "lee@example.org", "password", "e-mail address"),
        ("leelead", "leelead", "password", "at least 10"),
        ("x" * 201, "x" * 201, "password", "200 characters or fewer"),
        (GOOD, GOOD + "!", "confirm", "not the same"),
    ],
)
def test_password_rules_in_plain_words(users_db: sessionmaker[Session], password: str, confirm: str,
                                       field: str, words: str) -> None:
    invited = invite(users_db)
    with transaction(users_db) as s, pytest.raises(Invalid) as caught:
        invitations.accept(s, secret_of(invited), password, confirm)
    assert caught.value.problems[0].field == field and words in caught.value.problems[0].message
    with users_db() as s:
        user = s.get(WebUser, invited.user.id)
        assert user is not None and user.status == UserStatus.INVITED and user.password_hash is None


def test_no_composition_rules() -> None:
    assert password_problem("all lower case words here") is None
    assert password_problem("Lee Lead x", name="Lee Lead x") is not None


def test_invite_reports_every_problem_and_saves_nothing(users_db: sessionmaker[Session]) -> None:
    with transaction(users_db) as s, pytest.raises(Invalid) as caught:
        invitations.invite(s, ADMIN, email="not an address", name=" ", role="boss", projects=("NOPE",))
    assert {p.field for p in caught.value.problems} == {"email", "name", "role"}
    with transaction(users_db) as s, pytest.raises(Invalid) as caught:
        invitations.invite(s, ADMIN, email="f@example.org", name="Fi", role="finance", projects=("ALPHA",))
    assert [p.field for p in caught.value.problems] == ["projects"]
    with transaction(users_db) as s, pytest.raises(Invalid, match="sign-in code"):
        invitations.invite(s, ADMIN, email="p@example.org", name="Pat", role="participant")
    with users_db() as s:
        assert s.scalar(select(func.count()).select_from(WebUser)) == 0
        assert s.scalar(select(func.count()).select_from(ApiToken)) == 0


def test_email_is_unique_ignoring_case(users_db: sessionmaker[Session]) -> None:
    invite(users_db, "Lee@Example.org")
    with transaction(users_db) as s, pytest.raises(Invalid, match="already an account"):
        invitations.invite(s, ADMIN, email="lee@EXAMPLE.org ", name="Other", role="finance")


def test_only_admins_invite(users_db: sessionmaker[Session]) -> None:
    lead = Actor(token_id=9, name="A Lead", role=Role.LEAD)
    with transaction(users_db) as s, pytest.raises(Forbidden):
        invitations.invite(s, lead, email="x@example.org", name="X", role="finance")


def test_password_sign_in_starts_a_session_and_is_audited(users_db: sessionmaker[Session]) -> None:
    user = active_user(users_db, email="Lee@Example.org")
    with transaction(users_db) as s:
        outcome = signin.with_password(s, "lee@example.ORG", GOOD, "10.0.0.1")
    assert outcome.ok and outcome.signed_in is not None
    actor = outcome.signed_in.actor
    assert actor.user_id == user.id and actor.token_id == user.token_id and actor.project_ids == (1,)
    with users_db() as s:
        row = s.scalar(select(WebSession))
        assert row is not None and outcome.secret is not None and row.id_hash != outcome.secret
        trail = list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert trail[-1] == "sign_in"
        texts = " ".join(str(e.after) for e in s.scalars(select(AuditEvent)))
        assert GOOD not in texts and "lee@example.org" not in texts.lower()


def test_web_user_cannot_approve_own_record(users_db: sessionmaker[Session]) -> None:
    """The identity token makes four eyes hold on the web: the recorder's token id is the user's."""
    user = active_user(users_db)
    with transaction(users_db) as s:
        outcome = signin.with_password(s, "lee@example.org", GOOD, None)
    assert outcome.signed_in is not None
    with pytest.raises(Forbidden):
        ensure_not_recorder(outcome.signed_in.actor, user.token_id, "approve")


def test_wrong_password_and_unknown_account_read_alike(users_db: sessionmaker[Session]) -> None:
    active_user(users_db)
    with transaction(users_db) as s:
        wrong = signin.with_password(s, "lee@example.org", "not the password", "10.0.0.1")
        unknown = signin.with_password(s, "nobody@example.org", "not the password", "10.0.0.1")
    assert not wrong.ok and wrong.message == unknown.message == signin.WRONG_PASSWORD
    with users_db() as s:
        assert s.scalar(select(func.count()).select_from(SignInFailure)) == 4  # account + address, twice
        fails = list(s.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in.fail")))
        assert len(fails) == 2 and all("not the password" not in str(e.after) for e in fails)


def test_account_is_paused_after_five_failures_then_reopens(users_db: sessionmaker[Session]) -> None:
    active_user(users_db)
    for minute in range(5):
        with clock.as_of(START + timedelta(minutes=minute)), transaction(users_db) as s:
            outcome = signin.with_password(s, "lee@example.org", "wrong guess!", f"10.0.0.{minute}")
    assert outcome.paused_until == START + timedelta(minutes=15)
    assert "Try again after 09:15 UTC" in (outcome.message or "")
    with clock.as_of(START + timedelta(minutes=10)), transaction(users_db) as s:
        paused = signin.with_password(s, "lee@example.org", GOOD, "10.9.9.9")  # even the right password
    assert not paused.ok and "in 5 minutes" in (paused.message or "")
    with clock.as_of(START + timedelta(minutes=15, seconds=1)), transaction(users_db) as s:
        assert signin.with_password(s, "lee@example.org", GOOD, "10.9.9.9").ok
    with users_db() as s:
        actions = list(s.scalars(select(AuditEvent.action)))
        assert actions.count("sign_in.lock_out") == 1


def test_client_address_is_paused_across_accounts(users_db: sessionmaker[Session],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_SIGN_IN_ADDRESS_ATTEMPTS", "3")
    active_user(users_db)
    with clock.as_of(START):
        for n in range(3):
            with transaction(users_db) as s:
                signin.with_password(s, f"guess{n}@example.org", "wrong guess!", "203.0.113.7")
        with transaction(users_db) as s:
            assert not signin.with_password(s, "lee@example.org", GOOD, "203.0.113.7").ok
            assert signin.with_password(s, "lee@example.org", GOOD, "198.51.100.1").ok
    with users_db() as s:  # no addresses or e-mails stored in the failure table
        hashes = list(s.scalars(select(SignInFailure.key_hash)))
        assert hashes and all("203.0" not in h and "@" not in h for h in hashes)


def test_idle_timeout_and_absolute_lifetime(users_db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    active_user(users_db)
    with clock.as_of(START), transaction(users_db) as s:
        secret = signin.with_password(s, "lee@example.org", GOOD, None).secret
    assert secret is not None
    with clock.as_of(START + timedelta(minutes=29)), transaction(users_db) as s:
        assert sessions.resolve(s, secret) is not None  # and this use resets the idle clock
    with clock.as_of(START + timedelta(minutes=58)), transaction(users_db) as s:
        assert sessions.resolve(s, secret) is not None
    with clock.as_of(START + timedelta(minutes=88, seconds=1)), transaction(users_db) as s:
        assert sessions.resolve(s, secret) is None
    with clock.as_of(START + timedelta(minutes=89)), transaction(users_db) as s:
        assert sessions.resolve(s, secret) is None  # ended for good
        assert s.scalar(select(WebSession.end_reason)) == "idle"
    monkeypatch.setenv("LEDGER_SESSION_HOURS", "1")
    with clock.as_of(START), transaction(users_db) as s:
        busy = signin.with_password(s, "lee@example.org", GOOD, None).secret
    assert busy is not None
    for minute in range(0, 60, 20):
        with clock.as_of(START + timedelta(minutes=minute)), transaction(users_db) as s:
            assert sessions.resolve(s, busy) is not None
    with clock.as_of(START + timedelta(minutes=60)), transaction(users_db) as s:
        assert sessions.resolve(s, busy) is None


def test_sign_out_ends_the_session_server_side(users_db: sessionmaker[Session]) -> None:
    active_user(users_db)
    with transaction(users_db) as s:
        secret = signin.with_password(s, "lee@example.org", GOOD, None).secret
    assert secret is not None
    with transaction(users_db) as s:
        assert signin.sign_out(s, secret)
    with transaction(users_db) as s:
        assert sessions.resolve(s, secret) is None
        assert not signin.sign_out(s, secret)
        assert s.scalar(select(func.count()).where(AuditEvent.action == "sign_out")) == 1


def test_disabling_ends_sessions_and_refuses_sign_in(users_db: sessionmaker[Session]) -> None:
    user = active_user(users_db)
    with transaction(users_db) as s:
        secret = signin.with_password(s, "lee@example.org", GOOD, None).secret
    assert secret is not None
    with transaction(users_db) as s:
        accounts.disable_user(s, ADMIN, user.id)
    with transaction(users_db) as s:
        assert sessions.resolve(s, secret) is None
        refused = signin.with_password(s, "lee@example.org", GOOD, None)
        assert not refused.ok and refused.message == signin.DISABLED
        token = s.get(ApiToken, user.token_id)
        assert token is not None and token.revoked_at is not None
    with transaction(users_db) as s, pytest.raises(Conflict, match="already disabled"):
        accounts.disable_user(s, ADMIN, user.id)


def test_admin_cannot_disable_or_demote_themself(users_db: sessionmaker[Session]) -> None:
    admin = active_user(users_db, email="root@example.org", role="admin", projects=())
    me = accounts.user_actor(admin)
    with transaction(users_db) as s, pytest.raises(Conflict):
        accounts.disable_user(s, me, admin.id)
    with transaction(users_db) as s, pytest.raises(Invalid, match="your own administrator role"):
        accounts.change_user(s, me, admin.id, role="lead")


def test_role_change_takes_effect_on_the_next_page(users_db: sessionmaker[Session]) -> None:
    user = active_user(users_db)
    with transaction(users_db) as s:
        secret = signin.with_password(s, "lee@example.org", GOOD, None).secret
    assert secret is not None
    with transaction(users_db) as s:
        accounts.change_user(s, ADMIN, user.id, role="lead", projects=("ALPHA", "BETA"))
    with transaction(users_db) as s:
        now = sessions.resolve(s, secret)
        assert now is not None and now.actor.project_ids == (1, 2)
        token = s.get(ApiToken, user.token_id)
        assert token is not None and token.project_ids == [1, 2]


# ------------------------------------------------------------------------------------ participants


def lead(project_ids: tuple[int, ...] | None) -> Actor:
    return Actor(token_id=50, name="Lee Lead", role=Role.LEAD, project_ids=project_ids)


def test_code_signs_a_participant_in_once(users_db: sessionmaker[Session]) -> None:
    with transaction(users_db) as s:
        issued = codes.issue_code(s, lead((1,)), 1)
    assert len(issued.code) == 9 and issued.code[4] == "-"
    assert all(ch in CODE_ALPHABET for ch in issued.code.replace("-", ""))
    with users_db() as s:
        row = s.scalar(select(SignInCode))
        assert row is not None and issued.code.replace("-", "") not in row.code_hash
    typed = " " + issued.code.lower().replace("-", " ") + " "  # as read out on the phone
    with transaction(users_db) as s:
        outcome = signin.with_code(s, typed, "10.0.0.1")
    assert outcome.ok and outcome.signed_in is not None
    assert outcome.signed_in.actor.participant_id == 1 and outcome.signed_in.actor.role == Role.PARTICIPANT
    assert outcome.signed_in.display_name == "Ada Lovelace"
    assert "Ada" not in outcome.signed_in.actor.name
    with transaction(users_db) as s:
        assert not signin.with_code(s, issued.code, "10.0.0.1").ok  # used up
        link = signin.with_link(s, issued.link_path.removeprefix("/sign-in/link/"), "10.0.0.1")
        assert not link.ok  # the code and its link are used up together
    with users_db() as s:
        labels = set(s.scalars(select(AuditEvent.actor)))
        assert "participant 1" in labels and not any("Ada" in label for label in labels)


def test_link_works_and_codes_expire_after_7_days(users_db: sessionmaker[Session]) -> None:
    with clock.as_of(START), transaction(users_db) as s:
        first = codes.issue_code(s, ADMIN, 1)
        second = codes.issue_code(s, ADMIN, 1)
    assert first.expires_at == START + timedelta(days=7)
    with clock.as_of(START + timedelta(days=6)), transaction(users_db) as s:
        assert signin.with_link(s, second.link_path.removeprefix("/sign-in/link/"), None).ok
    with clock.as_of(START + timedelta(days=7)), transaction(users_db) as s:
        assert not signin.with_code(s, first.code, None).ok


def test_only_leads_of_the_persons_project_or_admins_issue_codes(users_db: sessionmaker[Session]) -> None:
    with transaction(users_db) as s, pytest.raises(Forbidden):
        codes.issue_code(s, lead((1,)), 2)  # Bo is in BETA only
    with transaction(users_db) as s, pytest.raises(Forbidden):
        codes.issue_code(s, Actor(token_id=3, name="Fin", role=Role.FINANCE), 1)
    with transaction(users_db) as s, pytest.raises(NotFound):
        codes.issue_code(s, ADMIN, 999)
    with transaction(users_db) as s:
        codes.issue_code(s, lead(None), 2)


def test_normalise_code_rejects_impossible_codes() -> None:
    assert normalise_code("kd7p-3mxr") == "KD7P3MXR"
    assert normalise_code("KD7P-3MX") is None
    assert normalise_code("KD7P-3MX0") is None  # 0 is never in a code


def test_wrong_codes_pause_the_address(users_db: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEDGER_SIGN_IN_ADDRESS_ATTEMPTS", "2")
    with transaction(users_db) as s:
        issued = codes.issue_code(s, ADMIN, 1)
    with clock.as_of(START):
        for _ in range(2):
            with transaction(users_db) as s:
                assert not signin.with_code(s, "AAAA-AAAA", "192.0.2.5").ok
        with transaction(users_db) as s:
            paused = signin.with_code(s, issued.code, "192.0.2.5")
        assert not paused.ok and "paused" in (paused.message or "")
    with users_db() as s:
        assert s.scalar(select(SignInCode.used_at)) is None  # the pause did not use the code up


def test_a_new_link_resets_a_forgotten_password_and_signs_out(users_db: sessionmaker[Session]) -> None:
    user = active_user(users_db)
    with transaction(users_db) as s:
        secret = signin.with_password(s, "lee@example.org", GOOD, None).secret
        fresh = invitations.reinvite(s, ADMIN, user.id)
    assert secret is not None
    with transaction(users_db) as s:  # the old password still works until the new one is set
        assert sessions.resolve(s, secret) is not None
        invitations.accept(s, secret_of(fresh), "new words for lee", "new words for lee")
    with transaction(users_db) as s:
        assert sessions.resolve(s, secret) is None
        assert not signin.with_password(s, "lee@example.org", GOOD, None).ok
        assert signin.with_password(s, "lee@example.org", "new words for lee", None).ok
        assert "user.password_reset" in set(s.scalars(select(AuditEvent.action)))
