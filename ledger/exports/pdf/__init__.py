"""PDF renderers: plain report data in, PDF bytes out. They never query and never read the clock.

Public entry points (the data types live in ``ledger.reports.*_data``):

* :func:`render_statement` picks the standard, large print or Easy Read layout from ``statement.style``;
* :func:`render_remittance` and :func:`render_remittance_zip` for payment (remittance) advice;
* :func:`render_spend_report` for the project spend report with its charts.

The same data always gives byte-identical PDFs.
"""

from __future__ import annotations

from ledger.exports.pdf.base import PdfRenderer
from ledger.exports.pdf.remittance import RemittanceRenderer, render_remittance, render_remittance_zip
from ledger.exports.pdf.spend import SpendReportRenderer, render_spend_report
from ledger.exports.pdf.statement import LargePrintStatementRenderer, StatementRenderer
from ledger.exports.pdf.statement_easy_read import EasyReadStatementRenderer
from ledger.reports.statement_data import Statement

STATEMENT_RENDERERS: dict[str, type[StatementRenderer]] = {
    "standard": StatementRenderer,
    "large_print": LargePrintStatementRenderer,
    "easy_read": EasyReadStatementRenderer,
}


def render_statement(statement: Statement) -> bytes:
    """A participant's statement as PDF bytes, in the style the statement asks for."""
    return STATEMENT_RENDERERS[statement.style](statement).render()


__all__ = [
    "STATEMENT_RENDERERS",
    "EasyReadStatementRenderer",
    "LargePrintStatementRenderer",
    "PdfRenderer",
    "RemittanceRenderer",
    "SpendReportRenderer",
    "StatementRenderer",
    "render_remittance",
    "render_remittance_zip",
    "render_spend_report",
    "render_statement",
]
