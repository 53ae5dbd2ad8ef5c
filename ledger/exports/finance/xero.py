"""``xero``: a Xero bills import (Business > Bills to pay > Import).

One bill per payee: a fees row and an expenses row that share ``InvoiceNumber`` and ``ContactName``, so
Xero joins them into one bill whose total is the payment. A row whose amount is zero is left out (a
payee with expenses only gets a one-row bill). Tax is ``No VAT``: involvement payments to individuals
are not VAT supplies.

Choices, documented in docs/finance.md:

* ``ContactName`` is ``"<payee name> (<participant reference>)"`` so two people with the same name
  never merge into one Xero contact.
* ``InvoiceNumber`` is ``"<batch reference>-<participant reference>"``: unique per bill, and it tells
  finance which batch a bill came from.
* Dates are DD/MM/YYYY (a UK Xero organisation reads dates that way). ``InvoiceDate`` is the day the
  batch was made; ``DueDate`` is the paid date when known, otherwise the same day.
* ``TrackingName1``/``TrackingOption1`` carry the project. Xero tracks one option per row, so a payment
  spanning several projects has a fees row and an expenses row per project (each with its project; the
  rows of one bill still add up to the payment, and each project's rows count that project's
  activities, e.g. "2 activities (project EASY-INFO)"). Only when the per-project split is unknown is the
  row left untracked with its projects listed in the description.
* Xero takes at most 500 bills a file. ``xero`` refuses a bigger batch with a message; ``xero-zip``
  streams a zip of files of up to 500 bills each, and :meth:`XeroBillsExporter.iter_parts` gives the
  parts one by one.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from itertools import islice

from ledger.errors import Invalid
from ledger.exports.finance.base import (
    ControlTotals,
    CsvChunker,
    ExportPart,
    StreamingExporter,
    cells,
    check_line,
    utf8,
)
from ledger.money import format_amount
from ledger.reports.batch_data import BatchExport, BatchExportLine, activities_description

#: Xero's limit on bills in one import file.
XERO_MAX_BILLS = 500

XERO_COLUMNS: tuple[str, ...] = (
    "ContactName",
    "InvoiceNumber",
    "Reference",
    "InvoiceDate",
    "DueDate",
    "Description",
    "Quantity",
    "UnitAmount",
    "AccountCode",
    "TaxType",
    "TrackingName1",
    "TrackingOption1",
    "Currency",
)


@dataclass(frozen=True, slots=True)
class XeroSettings:
    """Account codes and labels; the codes must exist in your Xero chart of accounts."""

    fees_account: str = "6100"
    expenses_account: str = "6110"
    tax_type: str = "No VAT"
    tracking_name: str = "Project"
    date_format: str = "%d/%m/%Y"
    max_bills: int = XERO_MAX_BILLS


def single(codes: tuple[str, ...], fallback: str | None) -> str:
    """The one code a row can carry: the line's only code, else the batch's, else nothing."""
    if len(codes) == 1:
        return codes[0]
    if not codes and fallback:
        return fallback
    return ""


def project_parts(line: BatchExportLine, batch: BatchExport) -> list[tuple[str, str, Decimal, Decimal]]:
    """(project code, cost code, fees, expenses) per project the payment covers, in project-code order.

    With the line's per-project parts (``BatchExportLine.projects``) a payee paid across several projects
    gets a row per project carrying that project's codes; without them, one part with the line's single
    codes (blank when it covers several projects and the split is unknown).
    """
    if line.projects:
        return [(part.project_code, part.cost_code or "", part.fees, part.expenses) for part in line.projects]
    return [(single(line.project_codes, batch.project_code), single(line.cost_codes, None), line.fees,
             line.expenses)]


class XeroBillsExporter(StreamingExporter):
    name = "xero"
    media_type = "text/csv; charset=utf-8"
    file_extension = "csv"
    description = "Xero bills import (one bill per payee; fees and expenses as separate rows)."
    filename_suffix = "xero"

    def __init__(self, settings: XeroSettings | None = None) -> None:
        self.settings = settings or XeroSettings()

    def iter_chunks(self, batch: BatchExport) -> Iterator[bytes]:
        limit = self.settings.max_bills
        if batch.line_count > limit:
            raise Invalid(
                f"batch {batch.reference} has {batch.line_count} payees, but Xero imports at most {limit} "
                f"bills a file. Use the xero-zip format to get the bills in files of up to {limit}."
            )
        yield from self._file_chunks(batch, batch.lines, ControlTotals(batch))

    def iter_parts(self, batch: BatchExport) -> Iterator[ExportPart]:
        """The batch as files of at most ``max_bills`` bills each, one after the other.

        Parts share one pass over ``batch.lines``: read each part's chunks to the end before asking for
        the next part. The control totals of the whole batch are checked as the last part ends.
        """
        limit = self.settings.max_bills
        total_parts = max(1, -(-batch.line_count // limit))
        lines = iter(batch.lines)
        totals = ControlTotals(batch)
        base = self.filename(batch).removesuffix(f".{self.file_extension}")
        finished: list[int] = []
        for number in range(1, total_parts + 1):
            if number > 1 and finished != list(range(1, number)):
                raise RuntimeError("read each Xero part to the end before asking for the next one")
            chunk_lines = lines if number == total_parts else islice(lines, limit)
            yield ExportPart(
                number=number,
                total_parts=total_parts,
                filename=f"{base}-part-{number}-of-{total_parts}.{self.file_extension}",
                chunks=self._part_chunks(batch, chunk_lines, totals, last=number == total_parts,
                                         done=partial(finished.append, number)),
            )

    def _part_chunks(
        self,
        batch: BatchExport,
        lines: Iterable[BatchExportLine],
        totals: ControlTotals,
        *,
        last: bool,
        done: Callable[[], None],
    ) -> Iterator[bytes]:
        if last:
            yield from self._file_chunks(batch, lines, totals)
        else:
            out = CsvChunker(utf8)
            out.add(XERO_COLUMNS)
            for line in lines:
                yield from self._line_rows(batch, line, totals, out)
            yield out.finish()
        done()

    def _file_chunks(
        self, batch: BatchExport, lines: Iterable[BatchExportLine], totals: ControlTotals
    ) -> Iterator[bytes]:
        out = CsvChunker(utf8)
        out.add(XERO_COLUMNS)
        for line in lines:
            yield from self._line_rows(batch, line, totals, out)
        totals.verify()
        yield out.finish()

    def _line_rows(
        self, batch: BatchExport, line: BatchExportLine, totals: ControlTotals, out: CsvChunker
    ) -> Iterator[bytes]:
        settings = self.settings
        currency = batch.currency
        check_line(line, currency)
        totals.add(line)
        contact = f"{line.payee_name} ({line.participant_reference})"
        number = f"{batch.reference}-{line.participant_reference}"
        due = batch.paid_on or batch.created_on
        parts = project_parts(line, batch)
        unsplit = len(parts) == 1 and not parts[0][0] and len(line.project_codes) > 1
        projects_note = f" (projects {', '.join(line.project_codes)})" if unsplit else ""
        counts = {part.project_code: part.activities for part in line.projects}
        for project, _cost_code, fees, expenses in parts:
            what = line.description
            if len(parts) > 1:
                # A project's row counts that project's activities, not the whole payment's.
                count = counts.get(project)
                what = activities_description(count) if count is not None else ""
            for label, value, account in (
                ("Fees", fees, settings.fees_account),
                ("Expenses", expenses, settings.expenses_account),
            ):
                if value == 0:
                    continue
                description = f"{label}: {what}{projects_note}" if what else label
                if len(parts) > 1 and project:
                    description += f" (project {project})"
                row = [
                    *cells([contact, number, line.payment_reference]),
                    batch.created_on.strftime(settings.date_format),
                    due.strftime(settings.date_format),
                    *cells([description]),
                    "1",
                    format_amount(value, currency),
                    *cells([account, settings.tax_type, settings.tracking_name if project else "", project]),
                    currency,
                ]
                chunk = out.add(row)
                if chunk:
                    yield chunk


class _ZipSink:
    """A write-only file for ``zipfile`` that lets us hand out what has been written so far."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def close(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


class XeroZipExporter(StreamingExporter):
    """All the bills of a batch of any size, as a zip of Xero files of up to 500 bills each."""

    name = "xero-zip"
    media_type = "application/zip"
    file_extension = "zip"
    description = "Xero bills import split into files of at most 500 bills, in one zip."
    filename_suffix = "xero"

    def __init__(self, bills: XeroBillsExporter | None = None) -> None:
        self.bills = bills or XeroBillsExporter()

    def iter_chunks(self, batch: BatchExport) -> Iterator[bytes]:
        sink = _ZipSink()
        with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            for part in self.bills.iter_parts(batch):
                with archive.open(part.filename, "w", force_zip64=True) as member:
                    for chunk in part.chunks:
                        member.write(chunk)
                        data = sink.take()
                        if data:
                            yield data
            # The last part's final chunk only comes after the control totals are verified; if they
            # fail, the zip's directory is never sent, so the download cannot be opened.
        yield sink.take()
