"""Shared CLI helpers: turn domain errors into one clear line on stderr and a non-zero exit."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import click

from ledger.errors import LedgerError
from ledger.rates.loader import CardError

P = ParamSpec("P")
R = TypeVar("R")


def fail(message: str, code: int = 1) -> None:
    """Print ``message`` to stderr and exit with ``code`` (never a traceback)."""
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)


def friendly_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator: a ``LedgerError`` becomes "error: <detail>" (plus each field problem) and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except CardError as exc:
            fail("a rate card could not be loaded:\n" + "\n".join(f"  - {p}" for p in exc.problems))
            raise AssertionError("unreachable") from None
        except LedgerError as exc:
            lines = [exc.detail]
            if len(exc.problems) > 1:
                lines += [f"  - {p.field}: {p.message}" for p in exc.problems]
            fail("\n".join(lines))
            raise AssertionError("unreachable") from None

    return wrapper


def echo_json(data: Any) -> None:
    click.echo(data if isinstance(data, str) else data.decode())
