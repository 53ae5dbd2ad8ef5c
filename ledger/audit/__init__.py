"""The audit trail: who changed what, when, with before and after, in a hash chain anyone can verify."""

from ledger.audit.chain import GENESIS_HASH, VerifyResult, record_event, verify_chain
from ledger.audit.queries import list_events

__all__ = ["GENESIS_HASH", "VerifyResult", "list_events", "record_event", "verify_chain"]
