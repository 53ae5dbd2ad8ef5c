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
from ledger.input_problems import plain_error
from ledger.rates.loader import CardError
from ledger.security.keys import KeyringError
from ledger.settings import SettingError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_ERROR = 1
EXIT_USAGE = 2  # the command was typed wrongly (click's convention)


class CliError(click.ClickException):
    """A problem the user can fix: printed as ``error: <message>`` with exit status 1.

    Click's own ``ClickException`` prints ``Error:``; this subclass is the only prefix our commands use.
    """

    exit_code = EXIT_ERROR

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.format_message()}", err=True, file=file)


class CliUsageError(CliError):
    """A command typed wrongly (a missing option, an unknown command): ``error: ...``, exit status 2.

    Click's own usage errors print ``Error: ...`` after the usage line; :class:`LedgerGroup` turns them into
    this, so the command line has one error style. Exit status 2 (as click and most tools use) tells a
    script "the command was typed wrongly" apart from 1, "the command ran and refused".
    """

    exit_code = EXIT_USAGE

    def __init__(self, message: str, command_path: str | None = None) -> None:
        super().__init__(message)
        self.command_path = command_path

    def show(self, file: IO[Any] | None = None) -> None:
        hint = f"\n  (see '{self.command_path} --help')" if self.command_path else ""
        click.echo(f"error: {self.format_message()}{hint}", err=True, file=file)


@contextmanager
def usage_errors() -> Iterator[None]:
    """Click's own errors (usage and otherwise) reported the ledger's way, never as ``Error: ...``."""
    try:
        yield
    except CliError:
        raise
    except click.UsageError as exc:
        raise CliUsageError(exc.format_message(), exc.ctx.command_path if exc.ctx else None) from None
    except click.ClickException as exc:  # any other error click raises itself (exit status 1, as click's)
        raise CliError(exc.format_message()) from None


class LedgerGroup(click.Group):
    """The ``ledger`` group: every error click raises while reading or running a command goes through
    :func:`usage_errors`, so a missing ``--out`` reads ``error: Missing option '--out'.`` like the rest."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        with usage_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with usage_errors():
            return super().invoke(ctx)


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
        detail, problems = plain_error(exc.detail, exc.problems)  # the same words as the API's
        lines = [detail]
        if len(problems) > 1:
            lines += [f"  - {p.message}" for p in problems]
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
