"""What every finance exporter shares: the interface, streaming, control totals and line checks.

Why streaming: a batch can have 100,000 payees. Exporters read ``BatchExport.lines`` one at a time and
hand back bytes in chunks of about 64 KB, so memory stays flat however big the batch is, and the API
can send the file as it is written.

Why control totals are checked at the end: the count and total are added up from the lines actually
written and compared with the batch's own ``line_count`` and ``total``. The last chunk (with the
trailer or the last rows) is held back until that check passes, so a mismatch never produces a
complete-looking file: the stream stops with :class:`ControlTotalMismatch` instead. Writing to a path
with :func:`export_to_path` goes through a temporary file that only replaces the target on success.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Protocol, runtime_checkable

from ledger.errors import Conflict, Invalid
from ledger.exports.safety import cell
from ledger.money import format_amount, minor_units, quantum
from ledger.reports.batch_data import BatchExport, BatchExportLine

#: Roughly how many bytes an exporter collects before handing a chunk to the caller.
CHUNK_BYTES = 64 * 1024


@dataclass
class ControlTotalMismatch(Conflict):
    """The lines written do not add up to the batch's own count or total: no file is produced."""

    title: str = "Batch totals do not match its lines"


@runtime_checkable
class Exporter(Protocol):
    """One export format. Implementations are small, stateless and safe to share between requests."""

    name: str
    media_type: str
    file_extension: str
    description: str

    def iter_chunks(self, batch: BatchExport) -> Iterator[bytes]:
        """The file as a stream of byte chunks (never the whole file in memory)."""
        ...

    def write(self, batch: BatchExport, out: IO[bytes]) -> None:
        """Write the whole file to a binary stream."""
        ...

    def filename(self, batch: BatchExport) -> str:
        """A sensible download name, e.g. ``batch-B-0007-bank.csv``."""
        ...


class StreamingExporter:
    """Base class: ``write`` and ``filename`` built on ``iter_chunks``."""

    name: str = ""
    media_type: str = "text/csv; charset=utf-8"
    file_extension: str = "csv"
    description: str = ""
    filename_suffix: str = ""

    def iter_chunks(self, batch: BatchExport) -> Iterator[bytes]:
        raise NotImplementedError  # pragma: no cover - every exporter overrides this

    def write(self, batch: BatchExport, out: IO[bytes]) -> None:
        for chunk in self.iter_chunks(batch):
            out.write(chunk)

    def filename(self, batch: BatchExport) -> str:
        safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "-" for ch in batch.reference)
        suffix = f"-{self.filename_suffix}" if self.filename_suffix else ""
        return f"batch-{safe}{suffix}.{self.file_extension}"


class ControlTotals:
    """Running count and sums of the lines written, checked against the batch at the end.

    ``add`` also stops as soon as there are more lines than the batch says, so an oversized stream is
    caught before it is written out.
    """

    __slots__ = ("batch", "count", "currency", "expenses", "fees", "total")

    def __init__(self, batch: BatchExport) -> None:
        self.batch = batch
        self.currency = batch.currency
        self.count = 0
        self.total = Decimal(0)
        self.fees = Decimal(0)
        self.expenses = Decimal(0)

    def add(self, line: BatchExportLine) -> None:
        self.count += 1
        if self.count > self.batch.line_count:
            raise ControlTotalMismatch(
                f"Batch {self.batch.reference} was not exported: it says {self.batch.line_count} payments "
                "but has more lines than that. Rebuild the batch or contact support; no file has been "
                "produced."
            )
        self.total += line.amount
        self.fees += line.fees
        self.expenses += line.expenses

    def verify(self) -> None:
        """Raise :class:`ControlTotalMismatch` unless count and total equal the batch's own figures."""
        batch = self.batch
        problems = []
        if self.count != batch.line_count:
            problems.append(f"it says {batch.line_count} payments but has {self.count}")
        if self.total != batch.total:
            problems.append(
                f"it says the total is {format_amount(batch.total, self.currency)} but its lines add up "
                f"to {format_amount(self.total, self.currency)}"
            )
        if problems:
            raise ControlTotalMismatch(
                f"Batch {batch.reference} was not exported: {' and '.join(problems)}. "
                "Rebuild the batch or contact support; no file has been produced."
            )

    @property
    def total_text(self) -> str:
        return format_amount(self.total, self.currency)


def check_line(line: BatchExportLine, currency: str) -> None:
    """Refuse a line whose money cannot be written honestly: too many decimals, not positive, or
    ``amount`` not equal to ``fees + expenses`` (the accounting formats write those separately)."""
    who = f"payee {line.participant_reference} (batch line {line.line_id})"
    places = minor_units(currency)
    for label, value in (("amount", line.amount), ("fees", line.fees), ("expenses", line.expenses)):
        if value != value.quantize(quantum(currency)):
            raise Invalid(f"{who}: {label} {value} has more than {places} decimal places for {currency}")
        if value < 0:
            raise Invalid(f"{who}: {label} {value} is negative; a payment line cannot take money back")
    if line.amount <= 0:
        raise Invalid(f"{who}: the amount to pay is {line.amount}; a payment must be more than zero")
    if line.fees + line.expenses != line.amount:
        raise Invalid(
            f"{who}: fees {line.fees} plus expenses {line.expenses} do not equal the amount {line.amount}"
        )


class CsvChunker:
    """Collects CSV rows and releases them in chunks, always keeping the latest rows back.

    ``add`` returns the previously collected text (encoded) once it passes :data:`CHUNK_BYTES`, *before*
    writing the new row, so at the end there is always something left for ``finish``: the caller
    can verify control totals before the file becomes complete.
    """

    def __init__(self, encode: Callable[[str], bytes], prefix: bytes = b"") -> None:
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer, lineterminator="\r\n")
        self._encode = encode
        self._prefix = prefix

    def add(self, row: Sequence[str]) -> bytes | None:
        released: bytes | None = None
        if self._buffer.tell() >= CHUNK_BYTES:
            released = self._take()
        self._writer.writerow(row)
        return released

    def finish(self) -> bytes:
        return self._take()

    def _take(self) -> bytes:
        data = self._prefix + self._encode(self._buffer.getvalue())
        self._prefix = b""
        self._buffer.seek(0)
        self._buffer.truncate()
        return data


def utf8(text: str) -> bytes:
    return text.encode("utf-8")


def cells(values: Iterable[str | None]) -> list[str]:
    """Every value made safe for a spreadsheet (see :mod:`ledger.exports.safety`)."""
    return [cell(v) for v in values]


@dataclass(frozen=True, slots=True)
class ExportPart:
    """One file of a format that must be split (Xero: at most 500 bills a file)."""

    number: int
    total_parts: int
    filename: str
    chunks: Iterator[bytes]


def export_to_path(exporter: Exporter, batch: BatchExport, path: str | os.PathLike[str]) -> Path:
    """Write the export to ``path`` all or nothing: a temporary file replaces ``path`` only on success."""
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            exporter.write(batch, handle)
        os.replace(tmp_name, target)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return target
