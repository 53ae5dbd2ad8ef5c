"""The audit trail: who changed what, when, with before and after, in a keyed hash chain anyone with the
key can verify, plus anchors kept elsewhere that catch the newest events being cut off."""

from ledger.audit.anchor import Anchor, AnchorError, anchor_for, read_anchors
from ledger.audit.chain import GENESIS_HASH, VerifyResult, record_event, seal_legacy_trail, verify_chain
from ledger.audit.personal import mask_personal
from ledger.audit.queries import list_events

__all__ = [
    "GENESIS_HASH",
    "Anchor",
    "AnchorError",
    "VerifyResult",
    "anchor_for",
    "list_events",
    "mask_personal",
    "read_anchors",
    "record_event",
    "seal_legacy_trail",
    "verify_chain",
]
