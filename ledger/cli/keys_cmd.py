"""``ledger keys status|rotate|generate``: the secret keys that protect bank details at rest.

Key material is never printed, except by ``generate``, whose whole purpose is to print one new key for
``LEDGER_SECRET_KEY``. Everything else shows key ids (8 hex digits that reveal nothing about the key).
"""

from __future__ import annotations

import click

from ledger.cli.common import fail
from ledger.cli.db_cmd import (
    cli_errors,
    database_option,
    ensure_migrated,
    existing_database_session,
    open_engine,
    resolve_url,
)
from ledger.db.engine import make_session_factory, transaction
from ledger.security import keys
from ledger.security.actor import Actor
from ledger.security.keycheck import check_stored_keys
from ledger.security.rotation import key_usage, lock_for_rotation, reencrypt_all


@click.group("keys")
def keys_group() -> None:
    """Show and rotate the secret keys that encrypt bank details."""


@keys_group.command("status")
@database_option
def status_command(database_url: str | None) -> None:
    """Where the keys come from, which one is current, and how many stored values each key encrypts."""
    url = resolve_url(database_url)
    with cli_errors(url), existing_database_session(url) as session:
        usage = key_usage(session)
        # Only looks: never makes a key file (that would hide a missing one).
        ring = keys.get_keyring(create=False) if usage.total else _keyring_or_none()
    if ring is None:
        click.echo("No secret key yet, and no encrypted values: one is made on first start (see "
                   "docs/administrators.md, 'The secret key').")
        return
    click.echo(f"Keys from: {ring.source}")
    click.echo(f"Current key (encrypts new values): {ring.current_id}")
    older = ", ".join(ring.ids[1:]) or "none"
    click.echo(f"Older keys (decrypt only): {older}")
    click.echo(f"Audit chain key derived from: {key_id_of_root(ring)} (the oldest key: never remove it)")
    click.echo(f"Encrypted values stored: {usage.total}")
    for kid, count in sorted(usage.by_key.items()):
        note = " (current)" if kid == ring.current_id else "" if kid in ring.ids else " (NOT IN THE KEYRING)"
        click.echo(f"  key {kid}: {count}{note}")
    unknown = [kid for kid in usage.by_key if kid not in ring.ids]
    if unknown:
        fail(f"stored values are under key(s) {', '.join(sorted(unknown))}, which the keyring does not hold: "
             f"restore the key file or {keys.ENV_SECRET_KEY} from its backup")
    stale = sum(count for kid, count in usage.by_key.items() if kid != ring.current_id)
    if stale:
        click.echo(f"{stale} value(s) are under an older key: run `ledger keys rotate` to re-encrypt them.")


def _keyring_or_none() -> keys.Keyring | None:
    try:
        return keys.get_keyring(create=False)
    except keys.KeyringError:
        return None


def key_id_of_root(ring: keys.Keyring) -> str:
    return keys.key_id(ring.audit_root)


@keys_group.command("rotate")
@database_option
def rotate_command(database_url: str | None) -> None:
    """Re-encrypt every stored bank detail under a new key, in one transaction.

    With a key file: a new key is added at the top of the file and the older keys stay below it, so
    backups taken before the rotation can still be read. With LEDGER_SECRET_KEY: put a new key (from
    `ledger keys generate`) first in the variable, keep the old ones after it, then run this command.
    Restart the API afterwards so it encrypts with the new key too.
    """
    url = resolve_url(database_url)
    actor = Actor.system("ledger keys rotate")
    with cli_errors(url):
        engine = open_engine(url)
        try:
            ensure_migrated(engine, url)
            with engine.connect() as connection:
                # Data under a key we lack stops here, before any key file could be made.
                check_stored_keys(connection)
            keys.get_keyring()  # first start on an empty database: make the key file before anything else
            factory = make_session_factory(engine)
            with transaction(factory) as session:
                lock_for_rotation(session)
                # Read the keys again under the lock: another rotation may have just added one.
                ring = keys.reload_keyring()
                new_ring = ring.with_new_key() if ring.path is not None else ring
                if new_ring is ring:
                    usage = key_usage(session)
                    if all(kid == ring.current_id for kid in usage.by_key):
                        click.echo(
                            f"Every stored value is already under the current key {ring.current_id}. To rotate "
                            f"with {keys.ENV_SECRET_KEY}: run `ledger keys generate`, put the new key first in "
                            f"{keys.ENV_SECRET_KEY} (keep the old keys after it), then run `ledger keys rotate` again."
                        )
                        return
                result = reencrypt_all(session, actor, new_ring, previous_ids=ring.ids)
                if new_ring.path is not None and new_ring is not ring:
                    # Written before the commit: a failed write leaves the database untouched.
                    keys.write_key_file(new_ring.path, new_ring.keys)
            keys.use_keyring(new_ring)
        finally:
            engine.dispose()
    click.echo(f"Rotated to key {result.new_key_id}: {result.reencrypted} value(s) re-encrypted, "
               f"{result.unchanged} already under it.")
    if new_ring.path is not None:
        click.echo(f"The key file {new_ring.path} now holds {len(new_ring.keys)} keys (newest first). "
                   "Back it up again now, separately from the database; keep the older copies too, they "
                   "read older database backups.")
    click.echo("Restart the API server so it encrypts new values with the new key.")


@keys_group.command("generate")
def generate_command() -> None:
    """Print a new random key (for LEDGER_SECRET_KEY). Nothing is stored."""
    click.echo(keys.encode_key(keys.generate_key()))


def register(group: click.Group) -> None:
    group.add_command(keys_group)
