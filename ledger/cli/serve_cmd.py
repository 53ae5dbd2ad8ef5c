"""``ledger serve``: run the HTTP API with uvicorn.

Everything that can be wrong before the first request is checked here, before uvicorn starts, and
reported as one line saying what to fix (exit 1), never as a traceback from inside the server: a rate
limit setting that does not parse, a database that cannot be reached or upgraded, one that is read-only.
"""

from __future__ import annotations

import logging

import click

from ledger.api.limits import ServiceLimits
from ledger.cli.common import CliError, cli_errors
from ledger.cli.db_cmd import database_option, describe_url, resolve_url
from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade
from ledger.messages.background import background_worker


def prepare_database(url: str) -> None:
    """Reach, upgrade and write-test the database (one-line errors via ``cli_errors``)."""
    from ledger.api.errors import storage_fault
    from ledger.api.system import check_database_writable

    engine = make_engine(url)
    try:
        upgrade(engine)
        try:
            check_database_writable(make_session_factory(engine))
        except Exception as exc:
            fault = storage_fault(exc)
            if fault is None or fault[0] == "database-unavailable":
                raise
            raise CliError(f"the database at {describe_url(url)} cannot be written: {fault[1]}") from None
    finally:
        engine.dispose()


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Use 0.0.0.0 only behind a proxy that adds HTTPS.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--no-worker", is_flag=True, help="Do not send e-mails from this server (run `ledger worker`).")
@database_option
def serve_command(host: str, port: int, database_url: str | None, no_worker: bool = False) -> None:
    """Serve the API (docs at /api/v1/schema). The database is upgraded on start."""
    import uvicorn

    from ledger.api.app import create_app

    url = resolve_url(database_url)
    try:
        limits = ServiceLimits.from_env()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    with cli_errors(url):
        prepare_database(url)
        app = create_app(url, upgrade=False, limits=limits)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"Serving the involvement ledger on http://{host}:{port}/api/v1 (database {describe_url(url)})")
    click.echo(f"Interactive API docs: http://{host}:{port}/api/v1/schema")
    with cli_errors(url), background_worker(url, enabled=not no_worker) as mail_note:  # ledger.messages
        click.echo(mail_note)
        uvicorn.run(app, host=host, port=port)


def register(group: click.Group) -> None:
    group.add_command(serve_command)
