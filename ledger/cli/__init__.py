"""The ``ledger`` command. Each sub-command lives in its own module and is registered here."""

from __future__ import annotations

import importlib

import click

from ledger import __version__
from ledger.cli.common import LedgerGroup
from ledger.web.log_redaction import hide_database_rows

# Modules that each expose ``register(group)``. Listed explicitly so the command set is easy to read.
COMMAND_MODULES = (
    "ledger.cli.db_cmd",
    "ledger.cli.serve_cmd",
    "ledger.cli.token_cmd",
    "ledger.cli.audit_cmd",
    "ledger.cli.keys_cmd",
    "ledger.cli.rates_cmd",
    "ledger.cli.quote_cmd",
    "ledger.cli.batch_cmd",
    "ledger.cli.payees_cmd",
    "ledger.cli.participants_cmd",
    "ledger.cli.statements_cmd",
    "ledger.cli.report_cmd",
    "ledger.cli.demo_cmd",
    "ledger.cli.setup_cmd",
    "ledger.cli.records_cmd",
    "ledger.cli.limits_cmd",
    "ledger.cli.users_cmd",
    "ledger.cli.import_cmd",
    "ledger.cli.messages_cmd",
    "ledger.cli.recognition_cmd",
)


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ledger")
def main() -> None:
    """The involvement ledger: fair, prompt, explained payment for people with lived experience.

    Every problem is printed on standard error in one style (error: what to fix). Exit status 1: the
    command ran and refused (bad input, a rule, the database); 2: the command was typed wrongly (a missing
    option, an unknown command or option, a file that cannot be opened).
    """
    hide_database_rows()  # every command, worker included: no rows (names, e-mail addresses) logged at DEBUG


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(main)
