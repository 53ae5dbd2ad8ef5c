"""The app's database: our engine and session factory, wrapped in advanced-alchemy's Litestar plugin.

The plugin injects ``db_session`` (one ``Session`` per request). Committing is NOT left to the plugin:
``ledger.api.transaction`` commits before the response is sent, so a failed commit (a deferred
constraint, a lost connection) becomes an error response instead of a success that saved nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from advanced_alchemy.extensions.litestar import SQLAlchemyPlugin, SQLAlchemySyncConfig
from advanced_alchemy.extensions.litestar._utils import get_aa_scope_state
from litestar.types import Scope
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.api.idempotency import LiveKeys
from ledger.db.engine import make_session_factory

STATE_KEY = "ledger_db"
SESSION_DEPENDENCY = "db_session"


@dataclass(frozen=True)
class LedgerDatabase:
    """Everything the app knows about its database, kept in ``app.state[STATE_KEY]``."""

    url: str
    engine: Engine
    session_factory: sessionmaker[Session]
    alchemy: SQLAlchemySyncConfig
    live_keys: LiveKeys = field(default_factory=LiveKeys)

    def request_session(self, scope: Scope) -> Session | None:
        """The session the plugin opened for this request, if the handler asked for one."""
        return cast("Session | None", get_aa_scope_state(scope, self.alchemy.session_scope_key))

    def ensure_request_session(self, scope: Scope) -> Session:
        """The request's session, opened now if the handler did not ask for one."""
        app = scope["litestar_app"]
        return self.alchemy.provide_session(app.state, scope)


def build_database(url: str, engine: Engine) -> tuple[LedgerDatabase, SQLAlchemyPlugin]:
    factory = make_session_factory(engine)
    config = SQLAlchemySyncConfig(
        engine_instance=engine,
        session_maker=factory,
        session_dependency_key=SESSION_DEPENDENCY,
        # The default handler only closes the session after the response; we commit ourselves.
        before_send_handler=None,
        set_default_exception_handler=False,
        enable_touch_updated_timestamp_listener=False,
        enable_file_object_listener=False,
        create_all=False,
    )
    return LedgerDatabase(url=url, engine=engine, session_factory=factory, alchemy=config), SQLAlchemyPlugin(
        config=config
    )


def database_of(scope: Scope) -> LedgerDatabase:
    app: Any = scope["litestar_app"]
    return cast(LedgerDatabase, app.state[STATE_KEY])
