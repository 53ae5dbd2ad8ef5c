"""Keeping secrets and personal data out of the server's logs.

Some addresses carry a secret in the path: a participant's sign-in link (``/sign-in/link/<secret>``), an
invitation (``/invitations/<secret>``) and a record-of-involvement code (``/verify/<code>``, also under the
API). Anyone who can read the access log could use them. :class:`RedactSecrets` rewrites such paths to
``/sign-in/link/[hidden]``, hides every query string (``?[hidden]``: a query can hold a code or an e-mail
address) and leaves out the client's address (an IP address is personal data). ``ledger serve`` passes
:func:`uvicorn_log_config` to uvicorn so every server process logs this way.

SQLAlchemy logs every row it reads when its logger is at DEBUG (an operator turning all logging up to
find a fault would get e-mail addresses, names, password hashes and masked bank details in the log).
:class:`HideDatabaseRows`, put on SQLAlchemy's engine logger by :func:`hide_database_rows` when the app
is built, drops those row lines; the SQL itself (with its values hidden, see ``ledger.db.engine``) is kept.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

HIDDEN = "[hidden]"
SECRET_PREFIXES = ("/sign-in/link/", "/invitations/", "/verify/", "/api/v1/verify/")
_IN_TEXT = re.compile(r"(" + "|".join(re.escape(p) for p in SECRET_PREFIXES) + r")[^\s\"'?]+")
_QUERY_IN_TEXT = re.compile(r"(/[^\s\"'?]*)\?[^\s\"']*")


def redact_path(full_path: str) -> str:
    """``/invitations/abc?x=1`` -> ``/invitations/[hidden]?[hidden]``; other paths keep their path."""
    path, mark, _query = full_path.partition("?")
    for prefix in SECRET_PREFIXES:
        if path.startswith(prefix) and len(path) > len(prefix):
            path = prefix + HIDDEN
            break
    return path + (f"?{HIDDEN}" if mark else "")


def redact_text(text: str) -> str:
    """The same for paths inside any log message (an error logged with the request's path)."""
    return _QUERY_IN_TEXT.sub(lambda m: f"{m.group(1)}?{HIDDEN}", _IN_TEXT.sub(lambda m: m.group(1) + HIDDEN, text))


class RedactSecrets(logging.Filter):
    """A logging filter: uvicorn's access lines get a redacted path and no client address; any other
    message has secret paths and query strings hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            _client, method, full_path, version, status = args
            record.args = ("-", method, redact_path(str(full_path)), version, status)
            return True
        message = record.getMessage()
        cleaned = redact_text(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class HideDatabaseRows(logging.Filter):
    """Drops SQLAlchemy's DEBUG lines (the rows and column names a query returned); keeps the rest."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno <= logging.DEBUG and record.name.startswith(ENGINE_LOGGER))


ENGINE_LOGGER = "sqlalchemy.engine"


def hide_database_rows() -> None:
    """Put :class:`HideDatabaseRows` on SQLAlchemy's engine loggers (once; the app calls this when built).

    A filter on a logger sees only that logger's own records, so it goes on every engine logger that
    exists (``sqlalchemy.engine.Engine`` and any named ones) and on the parent for good measure.
    """
    names = [ENGINE_LOGGER, f"{ENGINE_LOGGER}.Engine"]
    names += [name for name in logging.root.manager.loggerDict if name.startswith(ENGINE_LOGGER + ".")]
    for name in dict.fromkeys(names):
        logger = logging.getLogger(name)
        if not any(isinstance(f, HideDatabaseRows) for f in logger.filters):
            logger.addFilter(HideDatabaseRows())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging set-up with :class:`RedactSecrets` on both of its handlers."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": "ledger.web.log_redaction.RedactSecrets"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_secrets")
    return config


def redact_root_handlers() -> None:
    """Put the filter on the root logger's handlers too (the ledger's own messages)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactSecrets) for f in handler.filters):
            handler.addFilter(RedactSecrets())
