"""Postings, reversals, payment batches and returns: the money side of the ledger."""
