"""``POST /imports``: upload a CSV or ``.xlsx`` file of participants or activities (multipart form).

The answer is the import report (the same one ``ledger import`` prints): every problem by row and column
with what to do, the rows added, and the rows left out because the ledger already had them.

* ``dry_run=true``: 200 with the report; nothing is saved, whatever it found.
* a real run with no problems: 201 with the report (records arrive as submitted; bank details wait for a
  second person to confirm them).
* a real run with any problem: 422 ``application/problem+json`` whose ``errors`` name each problem's row and
  column, with the whole report under ``report``; nothing is saved.

Leads (for their own projects) and administrators may import. The body size cap
(``LEDGER_MAX_BODY_BYTES``, 1 MiB by default) applies: bigger files go through ``ledger import``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Body
from sqlalchemy.orm import Session

from ledger.api.auth import require_roles
from ledger.api.problems import PROBLEM_MEDIA_TYPE, FieldError, problem_response, problem_type
from ledger.db.models import Role
from ledger.errors import FieldProblem, Invalid
from ledger.imports import KINDS, ImportReport, run_import
from ledger.imports.values import CellProblem
from ledger.security.actor import Actor

IMPORTERS = require_roles(Role.LEAD)
MAX_PROJECT_CODE = 40
TRUE = frozenset({"true", "1", "yes", "on"})
FALSE = frozenset({"false", "0", "no", "off", ""})


@dataclass
class ImportUpload:
    """The form: what the file holds, the file itself, and whether to only check it."""

    # Every field is optional here and checked in the handler, so each missing or wrong one is named in
    # plain words (Litestar's own check would stop at the first and speak of a JSON body).
    kind: str | None = None  # "participants" or "activities"
    file: UploadFile | None = None  # a part sent without a file name arrives as text: taken as the file's content
    dry_run: str | None = None  # "true" to only check; also 1, yes, on (a ticked box)
    project: str | None = None  # a project code: for activity rows without one; the project people join


FORM_HELP = ("send a multipart form (multipart/form-data) with the fields kind (participants or activities) and "
             "file (the spreadsheet, sent as a file), and optionally dry_run and project")


def _unreadable_form(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A form the framework could not read (a text field that is not UTF-8, a field of the wrong shape):
    a 4xx naming what to send, never a 500 or words about a JSON body."""
    if isinstance(exc, UnicodeDecodeError):
        status, message = 400, "a form field is not text the ledger can read (UTF-8); " + FORM_HELP
    else:
        status, message = 422, FORM_HELP
    return problem_response(status, message[0].upper() + message[1:] + ".", slug="invalid",
                            instance=request.url.path, errors=[FieldError(field="body", message=message)])


class ImportController(Controller):
    path = "/imports"
    tags = ("Imports",)

    @post("/", guards=[IMPORTERS], operation_id="importSpreadsheet", status_code=201,
          exception_handlers={UnicodeDecodeError: _unreadable_form, ValidationException: _unreadable_form},
          summary="Import participants or activities from a CSV or .xlsx file (all or nothing)",
          responses={200: ResponseSpec(data_container=ImportReport, description="A dry run's report: nothing "
                                       "was saved, whatever it found.")},
          sync_to_thread=True)
    def create(
        self,
        data: Annotated[ImportUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        db_session: Session,
        actor: Actor,
        request: Request[Any, Any, Any],
    ) -> Response[ImportReport]:
        """Send ``kind`` (``participants`` or ``activities``), ``file`` and optionally ``dry_run=true`` and
        ``project`` (a project code: for activity rows without one, or the project people join when their
        Projects cell is blank). The report lists every problem by row and column;
        a real run saves everything or nothing. Importing the same file again adds nothing and lists the
        rows that were already there."""
        problems: list[FieldProblem] = []
        kind = (data.kind or "").strip()
        if not kind:
            problems.append(FieldProblem("kind", f"is required: {' or '.join(KINDS)}"))
        elif kind not in KINDS:
            problems.append(FieldProblem("kind", f"must be one of: {', '.join(KINDS)} (not {kind!r})"))
        dry_run = (data.dry_run or "false").strip().casefold()
        if dry_run not in TRUE | FALSE:
            problems.append(FieldProblem("dry_run", f"must be true or false (not {data.dry_run!r})"))
        if data.project is not None and len(data.project) > MAX_PROJECT_CODE:
            problems.append(FieldProblem("project", f"must be a project code of at most {MAX_PROJECT_CODE} "
                                                    "characters"))
        upload: Any = data.file
        content = (upload.file.read() if isinstance(upload, UploadFile)
                   else upload.encode("utf-8", "surrogateescape") if isinstance(upload, str) else b"")
        if data.file is None:
            problems.append(FieldProblem("file", "is required: the spreadsheet to import (.xlsx or .csv)"))
        elif not content:
            problems.append(FieldProblem("file", "is empty: choose the spreadsheet to import"))
        if problems:
            raise Invalid("; ".join(f"{p.field}: {p.message}" for p in problems), problems)
        try:
            report = run_import(db_session, actor, kind, content, dry_run=dry_run in TRUE,
                                project=(data.project or "").strip() or None)
        except CellProblem as exc:  # run_import reports file problems itself; this is a wrong kind
            raise Invalid(exc.message, []) from None
        if report.problems and not report.dry_run:
            return _refused(report, request.url.path)
        return Response(content=report, status_code=200 if report.dry_run else 201)


def _refused(report: ImportReport, instance: str) -> Response[ImportReport]:
    body = {
        "type": problem_type("import-refused"),
        "title": "Nothing was imported",
        "status": 422,
        "detail": report.summary,
        "instance": instance,
        "errors": [msgspec.to_builtins(FieldError(field=p.place(), message=p.message)) for p in report.problems],
        "report": msgspec.to_builtins(report),
    }
    refused: Response[Any] = Response(content=msgspec.json.encode(body), status_code=422,
                                      media_type=PROBLEM_MEDIA_TYPE)
    return refused
