"""Commands for this feature (registered in ledger.cli.COMMAND_MODULES)."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    """Nothing registered yet."""
