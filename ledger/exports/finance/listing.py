"""``csv``: a plain listing of the batch for people to read, check and keep.

One row per payment, then one ``control total`` row. Why a total row: a finance officer checking the
listing against the bank or the approval wants the count and the total on the page; the first column
(``Record type``) says ``payment`` or ``control total`` so a spreadsheet filter can drop it. Why a UTF-8
byte-order mark: without it Excel on Windows shows accented names wrongly.
"""

from __future__ import annotations

from collections.abc import Iterator

from ledger.exports.finance.base import ControlTotals, CsvChunker, StreamingExporter, cells, check_line, utf8
from ledger.money import format_amount
from ledger.reports.batch_data import BatchExport

LISTING_COLUMNS: tuple[str, ...] = (
    "Record type",
    "Participant reference",
    "Payee",
    "Method",
    "Amount",
    "Fees",
    "Expenses",
    "Currency",
    "Payment reference",
    "Projects",
    "Cost codes",
    "Description",
    "Line ID",
)


class ListingCsvExporter(StreamingExporter):
    name = "csv"
    media_type = "text/csv; charset=utf-8"
    file_extension = "csv"
    description = "Plain listing of every payment with a control total row (for checking and records)."
    filename_suffix = "listing"

    def iter_chunks(self, batch: BatchExport) -> Iterator[bytes]:
        currency = batch.currency
        totals = ControlTotals(batch)
        out = CsvChunker(utf8, prefix="\ufeff".encode())
        out.add(LISTING_COLUMNS)
        for line in batch.lines:
            check_line(line, currency)
            totals.add(line)
            text = cells(
                [
                    "payment",
                    line.participant_reference,
                    line.payee_name,
                    batch.method,
                ]
            )
            row = [
                *text,
                format_amount(line.amount, currency),
                format_amount(line.fees, currency),
                format_amount(line.expenses, currency),
                currency,
                *cells(
                    [
                        line.payment_reference,
                        "; ".join(line.project_codes),
                        "; ".join(line.cost_codes),
                        line.description,
                    ]
                ),
                str(line.line_id),
            ]
            chunk = out.add(row)
            if chunk:
                yield chunk
        totals.verify()
        out.add(
            [
                "control total",
                "",
                f"{totals.count} payments",
                batch.method,
                totals.total_text,
                format_amount(totals.fees, currency),
                format_amount(totals.expenses, currency),
                currency,
                *cells([batch.reference]),
                "",
                "",
                "",
                "",
            ]
        )
        yield out.finish()
