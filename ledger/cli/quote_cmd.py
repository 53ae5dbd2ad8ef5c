"""``ledger quote [FILE]``: the ``POST /quotes`` contract on the command line (same numbers)."""

from __future__ import annotations

import sys
from typing import IO

import click

from ledger.cli.common import friendly_errors
from ledger.involvement.calc import checked_together, request_problems
from ledger.rates.contract import decode_request, encode_response, run_quote


@click.command("quote")
@click.argument("file", type=click.File("rb"), required=False)
@friendly_errors
def quote(file: IO[bytes] | None) -> None:
    """Read a quote request (JSON) from FILE or standard input and print the explained quote (JSON)."""
    raw = (file or sys.stdin.buffer).read()
    if isinstance(raw, str):
        raw = raw.encode()
    request = decode_request(raw)
    # The same checks as POST /quotes (date window, huge amounts), reported with the engine's, all at once.
    click.echo(encode_response(checked_together(request_problems(request), lambda: run_quote(request))).decode())


def register(group: click.Group) -> None:
    group.add_command(quote)
