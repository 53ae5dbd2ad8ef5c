"""``ledger demo``: a realistic ledger built through the same services the API uses."""
