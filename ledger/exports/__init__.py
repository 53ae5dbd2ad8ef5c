"""Files the ledger writes for other systems (finance exports) and the safety rules they share."""
