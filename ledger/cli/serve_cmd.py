"""``ledger serve``: run the HTTP API with uvicorn."""

from __future__ import annotations

import logging

import click

from ledger.cli.db_cmd import cli_errors, database_option, describe_url, resolve_url


@click.command("serve")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on. Use 0.0.0.0 only behind a proxy that adds HTTPS.",
)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@database_option
def serve_command(host: str, port: int, database_url: str | None) -> None:
    """Serve the API (docs at /api/v1/schema). The database is upgraded on start."""
    import uvicorn

    from ledger.api.app import create_app

    url = resolve_url(database_url)
    with cli_errors(url):
        app = create_app(url)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    click.echo(f"Serving the involvement ledger on http://{host}:{port}/api/v1 (database {describe_url(url)})")
    click.echo(f"Interactive API docs: http://{host}:{port}/api/v1/schema")
    uvicorn.run(app, host=host, port=port)


def register(group: click.Group) -> None:
    group.add_command(serve_command)
