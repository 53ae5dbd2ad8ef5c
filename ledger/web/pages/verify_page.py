"""The public check of a record of involvement: ``/verify`` (type a code) and ``/verify/{code}``.

Anyone may use it without signing in. It shows that the organisation issued the record and the same
summary the record states (time given by year, project and role; how it was paid; training), nothing
else: no money, no contact details, no other records. Unknown codes are counted per address in the
database and guessing is throttled (``ledger.recognition.codes``), and every check of a real code is
counted. The code is typed into a GET form, so nothing here changes what anyone can see.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import Parameter
from litestar.response import Redirect, Template

from ledger.api.database import database_of
from ledger.api.limits import client_address
from ledger.recognition.codes import TooManyChecks, normalise_code, verify_code
from ledger.web.render import page

CODE_HINT = "It is printed on the record, like 7KQ2M-XW9RT-4HC8N."


@get("/verify", name="verify-start", sync_to_thread=True)
def verify_start(
    request: Request[Any, Any, Any],
    code: Annotated[str | None, Parameter(query="code", max_length=60)] = None,
) -> Template | Redirect:
    """A box for the code; a typed code goes to its own address (the form is a GET: nothing is saved)."""
    if code is None:
        return page(request, "verify/start.html", {"typed": "", "error": None})
    normal = normalise_code(code)
    if normal is None:
        error = ("Enter the code from the record: 15 letters and numbers. " + CODE_HINT if code.strip()
                 else "Enter the code from the record. " + CODE_HINT)
        return page(request, "verify/start.html", {"typed": code, "error": error}, status=400)
    grouped = "-".join(normal[i:i + 5] for i in range(0, 15, 5))
    return Redirect(path=f"/verify/{grouped}", status_code=303)


# The answer names a person: no shared cache or browser history keeps it, no search engine lists it.
PRIVATE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow"}


@get("/verify/{code:str}", name="verify-code", sync_to_thread=True)
def verify_code_page(request: Request[Any, Any, Any], code: str) -> Template:
    """The answer: issued (with the summary), withdrawn, or not found; or "too many checks" after guessing."""
    if len(code) > 60:
        return page(request, "verify/result.html", {"status": "unknown", "code": code[:60]}, status=404,
                    headers=PRIVATE)
    try:
        found = verify_code(database_of(request.scope).session_factory, code, client_address(request))
    except TooManyChecks as exc:
        return page(request, "verify/result.html", {"status": "throttled", "code": code,
                                                    "minutes": exc.retry_after // 60 + 1},
                    status=429, headers={"Retry-After": str(exc.retry_after), **PRIVATE})
    status = {"valid": 200, "withdrawn": 410, "unknown": 404}[found.status]
    return page(request, "verify/result.html", {"status": found.status, "code": code, "found": found},
                status=status, headers=PRIVATE)


PAGES: list[Any] = [verify_start, verify_code_page]
