"""The one way every ``ledger`` command reports a problem: ``error: <what to fix>`` on stderr, exit 1.

Every command raises :class:`CliError` (or calls :func:`fail`), or lets :func:`cli_errors` /
:func:`friendly_errors` turn a domain, rate-card or database error into one. So the prefix, the wording
for database trouble and the exit status are decided here, once, and never as a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, NoReturn, ParamSpec, TypeVar

import click
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError

from ledger.db.engine import normalise_url
from ledger.errors import LedgerError
from ledger.rates.loader import CardError
from ledger.security.keys import KeyringError
from ledger.settings import SettingError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_ERROR = 1


class CliError(click.ClickException):
    """A problem the user can fix: printed as ``error: <message>`` with exit status 1.

    Click's own ``ClickException`` prints ``Error:``; this subclass is the only prefix our commands use.
    """

    exit_code = EXIT_ERROR

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


def fail(message: str) -> NoReturn:
    """Stop the command with ``error: <message>`` on stderr and exit status 1 (never a traceback)."""
    raise CliError(message)


def describe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    try:
        return make_url(normalise_url(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return "(unreadable database URL)"


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


def explain(exc: BaseException, url: str | None = None) -> str | None:
    """The one-line (or field-by-field) message for an error a user can act on; ``None`` for a bug."""
    if isinstance(exc, CardError):
        return "a rate card could not be loaded:\n" + "\n".join(f"  - {p}" for p in exc.problems)
    if isinstance(exc, LedgerError):
        lines = [exc.detail]
        if len(exc.problems) > 1:
            lines += [f"  - {p.field}: {p.message}" for p in exc.problems]
        return "\n".join(lines)
    if isinstance(exc, SettingError):
        return str(exc)
    if isinstance(exc, KeyringError):
        return str(exc).strip().splitlines()[0] if str(exc).strip() else "the encryption key could not be used"
    if isinstance(exc, ArgumentError):
        return f"{url!r} is not a database URL I understand" if url else "that is not a database URL I understand"
    if isinstance(exc, IntegrityError):
        return "the change conflicts with something saved at the same moment; nothing was saved, try again"
    if isinstance(exc, SQLAlchemyError):
        where = f"the database at {describe_url(url)}" if url else "the database"
        return (f"could not use {where}: {_first_line(exc)}; check --database and run 'ledger db upgrade'")
    if isinstance(exc, ModuleNotFoundError) and exc.name in {"psycopg", "psycopg2", "psycopg_binary"}:
        return f"a database driver is missing ({exc.name}); for PostgreSQL install psycopg"
    return None


@contextmanager
def cli_errors(url: str | None = None) -> Iterator[None]:
    """Turn every expected failure inside the block into :class:`CliError` (``url`` names the database)."""
    try:
        yield
    except CliError:
        raise
    except Exception as exc:
        message = explain(exc, url)
        if message is None:
            raise
        raise CliError(message) from None


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of :func:`cli_errors` for a whole command."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with cli_errors():
            return func(*args, **kwargs)

    return wrapper


def echo_json(data: Any) -> None:
    click.echo(data if isinstance(data, str) else data.decode())
