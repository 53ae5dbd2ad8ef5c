"""``json``: the batch as JSON, for other systems and for audit.

Money is written as strings with the currency's decimal places (``"96.25"``), never as JSON numbers,
because many JSON readers turn numbers into floating point and lose pennies. The control figures
(``line_count``, ``total``, and the fees and expenses sums) come last, after the lines they were
computed from, and are only written once they match the batch's own figures.

Text is not neutralised here: JSON is not opened by spreadsheets, and the values must be exactly what
the ledger holds. Control characters are escaped by the JSON encoder.

Bank details are masked (``"**-**-56"``, ``"****5678"``), as everywhere except the bank file: this file
goes to other systems and into records, where a full account number is a risk and never a need. Only the
bank file (``bank-csv``), which exists to move the money, carries them in full.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from ledger.exports.finance.base import CHUNK_BYTES, ControlTotals, StreamingExporter, check_line
from ledger.money import format_amount
from ledger.reports.batch_data import BatchExport, BatchExportLine
from ledger.security.masking import mask_account_number, mask_sort_code


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def line_document(line: BatchExportLine, currency: str) -> dict[str, object]:
    """One line as the JSON export writes it."""
    return {
        "line_id": line.line_id,
        "participant_reference": line.participant_reference,
        "payee_name": line.payee_name,
        "amount": format_amount(line.amount, currency),
        "fees": format_amount(line.fees, currency),
        "expenses": format_amount(line.expenses, currency),
        "payment_reference": line.payment_reference,
        "sort_code": mask_sort_code(line.sort_code),
        "account_number": mask_account_number(line.account_number),
        "account_name": line.account_name,
        "organisation_reference": line.organisation_reference,
        "project_codes": list(line.project_codes),
        "cost_codes": list(line.cost_codes),
        "description": line.description,
        "record_ids": list(line.record_ids),
    }


class JsonExporter(StreamingExporter):
    name = "json"
    media_type = "application/json"
    file_extension = "json"
    description = "The whole batch as JSON, money as exact strings, control totals at the end."
    filename_suffix = ""

    def iter_chunks(self, batch: BatchExport) -> Iterator[bytes]:
        currency = batch.currency
        head = {
            "reference": batch.reference,
            "method": batch.method,
            "currency": currency,
            "created_on": batch.created_on.isoformat(),
            "paid_on": batch.paid_on.isoformat() if batch.paid_on else None,
            "organisation_name": batch.organisation_name,
            "project_code": batch.project_code,
        }
        parts: list[str] = [_dumps(head)[:-1], ',"lines":[']
        size = 0
        totals = ControlTotals(batch)
        for line in batch.lines:
            check_line(line, currency)
            totals.add(line)
            text = _dumps(line_document(line, currency))
            if size >= CHUNK_BYTES:
                yield "".join(parts).encode("utf-8")
                parts.clear()
                size = 0
            parts.append(text if totals.count == 1 else "," + text)
            size += len(text) + 1
        totals.verify()
        control = {
            "line_count": totals.count,
            "total": totals.total_text,
            "fees_total": format_amount(totals.fees, currency),
            "expenses_total": format_amount(totals.expenses, currency),
        }
        parts.append("]," + _dumps(control)[1:] + "\n")
        yield "".join(parts).encode("utf-8")
