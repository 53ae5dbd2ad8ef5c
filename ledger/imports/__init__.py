"""Bringing in today's spreadsheets: participants and involvement from CSV and Excel ``.xlsx`` files.

The flow is one way, like the rest of the ledger::

    reading   (a file -> numbered rows of cell values; headings matched; formulas read as saved values)
    values    (one cell -> a date, a duration, an amount, a choice: forgiving where safe, strict otherwise)
    participants / activities   (rows -> the SAME services the API and CLI use: create_participant,
               record_activity; their problems are put back on the row and column they came from)
    service   (one import: all or nothing, a dry run that saves nothing, one audit event naming the file)
    templates (the files people fill in)

Nothing here decides what is valid about a participant or a record: the involvement services do, so an
imported row is held to exactly the rules of one typed into the API.
"""

from ledger.imports.report import ImportProblem, ImportReport
from ledger.imports.service import KINDS, run_import

__all__ = ["KINDS", "ImportProblem", "ImportReport", "run_import"]
