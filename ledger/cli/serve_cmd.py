"""``ledger serve``: run the HTTP API with uvicorn.

Everything that can be wrong before the first request is checked here, before uvicorn starts, and
reported as one line saying what to fix (exit 1), never as a traceback from inside the server: a rate
limit setting that does not parse, a database that cannot be reached or upgraded, one that is read-only.

``--workers N`` (PostgreSQL only) runs N server processes on one port (uvicorn's process manager). Each
builds its own app with :func:`worker_app`; nothing they must agree on lives in one process's memory:
rate-limit counts go to the database (``ledger.api.shared_store``), idempotency keys are held with
PostgreSQL advisory locks and stored with the request's work (``ledger.api.idempotency``), web sessions
are rows, and the audit chain and balance checks are in the database. SQLite is served by one process.
"""

from __future__ import annotations

import logging
import os

import click
from litestar import Litestar
from sqlalchemy.engine import make_url

from ledger.api.limits import ServiceLimits
from ledger.api.shared_store import DatabaseStore
from ledger.cli.common import CliError, cli_errors
from ledger.cli.db_cmd import database_option, describe_url, resolve_url
from ledger.db.engine import make_engine, make_session_factory
from ledger.db.migrate import upgrade
from ledger.messages.background import background_worker
from ledger.settings import database_url, hand_database_url_to_children
from ledger.web.log_redaction import redact_root_handlers, uvicorn_log_config


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


WORKERS_ENV = "LEDGER_SERVE_WORKERS"  # set by ``serve --workers`` for the processes it starts
RATE_LIMIT_STORE = "rate_limit"  # Litestar's default store name for ``RateLimitConfig``


def share_rate_limits(app: Litestar, url: str) -> None:
    """Keep the app's rate-limit counts in the database, shared by every server process."""
    app.stores.register(RATE_LIMIT_STORE, DatabaseStore(make_engine(url)), allow_override=True)


def worker_app() -> Litestar:
    """The app one of several server processes serves (uvicorn calls this in each worker).

    The command has already upgraded and checked the database and put its URL in the environment.
    """
    from ledger.api.app import create_app

    url = database_url()
    app = create_app(url, upgrade=False, limits=ServiceLimits.from_env())
    if int(os.environ.get(WORKERS_ENV, "1")) > 1:
        share_rate_limits(app, url)
    return app


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Use 0.0.0.0 only behind a proxy that adds HTTPS.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--no-worker", is_flag=True, help="Do not send e-mails from this server (run `ledger worker`).")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes to run (PostgreSQL only; about one per CPU core).")
@database_option
def serve_command(host: str, port: int, database_url: str | None, no_worker: bool = False, workers: int = 1) -> None:
    """Serve the API (docs at /api/v1/schema). The database is upgraded on start."""
    import uvicorn

    from ledger.api.app import create_app

    url = resolve_url(database_url)
    if workers > 1 and make_url(url).get_backend_name() != "postgresql":
        raise CliError(f"--workers {workers} needs PostgreSQL: a SQLite ledger is served by one process "
                       "(leave out --workers, or move to PostgreSQL: see docs/administrators.md)")
    try:
        limits = ServiceLimits.from_env()
    except ValueError as exc:
        raise CliError(str(exc)) from None
    with cli_errors(url):
        prepare_database(url)
        app = create_app(url, upgrade=False, limits=limits) if workers == 1 else None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    redact_root_handlers()  # no sign-in links, codes, query strings or client addresses in logs
    click.echo(f"Serving the involvement ledger (database {describe_url(url)})")
    click.echo(f"Web interface: http://{host}:{port}/  (sign in there; `ledger demo` prints demo sign-ins)")
    click.echo(f"API: http://{host}:{port}/api/v1  (interactive docs at http://{host}:{port}/api/v1/schema)")
    with cli_errors(url), background_worker(url, enabled=not no_worker) as mail_note:  # ledger.messages
        click.echo(mail_note)
        if app is not None:
            uvicorn.run(app, host=host, port=port, log_config=uvicorn_log_config())
        else:
            click.echo(f"{workers} server processes; rate limits are counted in the database for all of them")
            hand_database_url_to_children(url)
            os.environ[WORKERS_ENV] = str(workers)
            uvicorn.run("ledger.cli.serve_cmd:worker_app", factory=True, host=host, port=port, workers=workers,
                        log_config=uvicorn_log_config())


def register(group: click.Group) -> None:
    group.add_command(serve_command)
