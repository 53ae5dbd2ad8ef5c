"""The payee fields that need four eyes are named three times (the pending change, the seal, the batch
line's copy); if one list gains a field the others lack, a change to that field would bypass the
second person or the seal. These lists must stay the same."""

from __future__ import annotations

from dataclasses import fields

from ledger.involvement.payee_changes import PayeeDetails
from ledger.payments.batches import PayeeSnapshot
from ledger.payments.payee_seal import SEALED_FIELDS


def test_the_seal_covers_exactly_the_fields_a_payee_change_confirms() -> None:
    assert tuple(f.name for f in fields(PayeeDetails)) == SEALED_FIELDS


def test_a_batch_line_copies_every_confirmed_payee_field() -> None:
    copied = {f.name for f in fields(PayeeSnapshot)} - {"payee_name"}
    assert copied == set(SEALED_FIELDS)
