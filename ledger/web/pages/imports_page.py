"""``/imports``: upload a spreadsheet, see what importing it would do, then import it (leads and admins).

1. ``GET /imports``: the form (what the file holds, the project for rows without one, the file) and the
   templates to download.
2. ``POST /imports``: the file is checked with a dry run (``ledger.imports.run_import``, the same as
   ``ledger import ... --dry-run`` and the API), and the preview shows every problem by row and column
   with what to do, the rows that would be added and the rows already in the ledger. Nothing is saved.
   The checked file is kept for an hour (``ledger.imports.held``) so the person need not choose it again.
3. ``POST /imports/run``: imports that same file (checked again, all or nothing), then redirects back to
   the form with the summary as a notice (POST-redirect-GET). If the ledger changed meanwhile and a row
   now fails, the preview comes back with the problems and nothing is saved.

Works without JavaScript; the file input is a plain ``<input type="file">`` in a multipart form.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from ledger.api.limits import ServiceLimits
from ledger.db.models import Role
from ledger.imports import KINDS, ImportReport, run_import
from ledger.imports import held as held_files
from ledger.imports.report import ranges_text
from ledger.imports.templates import template_csv, template_xlsx
from ledger.involvement.record_lists import visible_projects
from ledger.security.actor import Actor
from ledger.web.auth import page_roles
from ledger.web.forms import Form
from ledger.web.render import page, see_other

IMPORTERS = page_roles(Role.LEAD)
KIND_WORDS = (("activities", "Involvement: one row per person per activity"),
              ("participants", "People: one row per person"))
MAX_UPLOAD_NAME = 200
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _owner(actor: Actor) -> str:
    """Whose held file it is: the signed-in account (a held file is never handed to someone else)."""
    return f"{actor.user_id}:{actor.token_id}:{actor.name}"


def _form_page(request: Request[Any, Any, Any], session: Session, actor: Actor, form: Form, *,
               status: int = 200) -> Template:
    largest = ServiceLimits.from_env().max_body_bytes  # the server's cap on any request (ledger.api.limits)
    return page(request, "imports/upload.html", {
        "form": form, "kinds": KIND_WORDS, "projects": visible_projects(session, actor),
        "largest": f"{largest / 1_048_576:.0f} MB" if largest >= 1_048_576 else f"{largest // 1024} KB",
    }, status=status)


def _preview(request: Request[Any, Any, Any], form: Form, report: ImportReport, held: str | None, *,
             status: int = 200) -> Template:
    return page(request, "imports/preview.html", {
        "form": form, "report": report, "held": held, "added_text": ranges_text(report.added_rows),
        "kind": form.value("kind"), "project": form.value("project"),
    }, status=status)


class ImportPages(Controller):
    path = "/imports"
    guards = (IMPORTERS,)

    @get("/", name="imports-upload", sync_to_thread=True)
    def upload_form(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor) -> Template:
        return _form_page(request, db_session, actor, Form(values={"kind": "activities"}))

    @post("/", name="imports-check", sync_to_thread=True)
    def check(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
              data: Upload) -> Template:
        """A dry run of the chosen file: the preview page (nothing saved), or the form with its errors."""
        form = Form(values={name: value.strip() for name, value in data.items() if isinstance(value, str)})
        if form.value("kind") not in KINDS:
            form.add("kind", "Choose what the file holds: involvement or people")
        if len(form.value("project")) > 40:
            form.add("project", "Choose one of your projects")
        upload = data.get("file")
        content = upload.file.read() if isinstance(upload, UploadFile) else b""
        if not content:
            form.add("file", "Choose the spreadsheet to import (a .xlsx or .csv file)")
        if form.errors:
            return _form_page(request, db_session, actor, form, status=400)
        report = run_import(db_session, actor, form.value("kind"), content, dry_run=True,
                            project=form.value("project") or None)
        held = None
        if not report.problems and report.added_rows:
            held = held_files.hold(content, _owner(actor))
        return _preview(request, form, report, held)

    @post("/run", name="imports-run", sync_to_thread=True)
    def run(self, request: Request[Any, Any, Any], db_session: Session, actor: Actor,
            data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
            ) -> Template | Redirect:
        form = Form(values={name: str(value).strip() for name, value in data.items()})
        sha = form.value("held")
        content = held_files.take(sha, _owner(actor)) if form.value("kind") in KINDS else None
        if content is None:
            form.add("file", "The checked file is no longer here (files are kept for an hour). Choose it again")
            return _form_page(request, db_session, actor, form, status=400)
        report = run_import(db_session, actor, form.value("kind"), content, dry_run=False,
                            project=form.value("project") or None)
        if report.problems:
            return _preview(request, form, report, None, status=409)
        held_files.drop(sha, _owner(actor))
        return see_other("/imports", notice=report.summary)

    @get("/templates/{name:str}", name="imports-template", sync_to_thread=False)
    def template(self, name: str) -> Response[bytes]:
        """``activities.xlsx``, ``participants.csv``...: the template to fill in."""
        kind, _, fmt = name.partition(".")
        if kind not in KINDS or fmt not in ("xlsx", "csv"):
            from ledger.errors import NotFound

            raise NotFound(f"There is no template called {name[:40]!r}.")
        content = template_xlsx(kind) if fmt == "xlsx" else template_csv(kind)
        return Response(content=content, media_type=XLSX_TYPE if fmt == "xlsx" else "text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{kind}-template.{fmt}"'})


PAGES: list[Any] = [ImportPages]
