"""A test-only form page for the foundation's own tests (never part of the app outside tests).

It is written the way a feature's page is: ``read_form``, the service's own check (``save_organisation``),
``add_problems``, a date input, ``page`` with status 400 on errors, ``see_other`` with a notice on success.
Something is written BEFORE validation fails, so the tests can see that a refused form keeps nothing.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.orm import Session

from ledger.db.models import Setting
from ledger.errors import Invalid
from ledger.organisation import KEYS, LABELS, read_settings, save_organisation
from ledger.web.app import page_router
from ledger.web.forms import Form, parse_date_input, read_form
from ledger.web.render import fragment, page, see_other

PATH = "/frame-test/organisation"
MARKER = "frame_test_marker"
TEMPLATE = """{% extends "base.html" %}
{% from "macros/forms.html" import error_summary %}
{% from "govuk_frontend_jinja/components/input/macro.html" import govukInput %}
{% from "govuk_frontend_jinja/components/textarea/macro.html" import govukTextarea %}
{% from "govuk_frontend_jinja/components/date-input/macro.html" import govukDateInput %}
{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}
{% block title %}{{ form.title_prefix }}Organisation details{% endblock %}
{% block content %}
{{ error_summary(form) }}
<h1 class="govuk-heading-l">Organisation details</h1>
<form method="post" action="{{ path }}" novalidate>
  {{ csrf_field() }}
  {% for key, label in fields %}
    {% if key == "postal_address" %}
      {{ govukTextarea(form.field(key, label)) }}
    {% else %}
      {{ govukInput(form.field(key, label, spellcheck=false)) }}
    {% endif %}
  {% endfor %}
  {{ govukDateInput(form.date_field("review", "Date of the next review")) }}
  {{ govukButton({"text": "Save"}) }}
</form>
<p class="govuk-body">
  <button type="button" class="govuk-button govuk-button--secondary" hx-post="{{ path }}/echo"
          hx-include="[name='contact_name']" hx-target="#echo">Check the contact's name</button>
</p>
<div id="echo" aria-live="polite"></div>
{% endblock %}
"""


def _template(request: Request[Any, Any, Any], form: Form, status: int) -> Template:
    response = page(request, "frame_test_organisation.html",
                    {"form": form, "fields": [(k, LABELS[k][0].upper() + LABELS[k][1:]) for k in KEYS],
                     "path": PATH}, status=status)
    return response


@get(PATH, sync_to_thread=True)
def show(request: Request[Any, Any, Any], db_session: Session) -> Template:
    form = Form(values=dict(read_settings(db_session)))
    return _template(request, form, 200)


@post(PATH)
async def save(request: Request[Any, Any, Any], db_session: Session) -> Template | Redirect:
    form = await read_form(request)
    db_session.merge(Setting(key=MARKER, value="written before the check"))  # must vanish on a refusal
    parse_date_input(form, "review", "date of the next review")
    try:
        save_organisation(db_session, {key: form.value(key) for key in KEYS})
    except Invalid as exc:
        form.add_problems(exc)
    if form.errors:
        return _template(request, form, 400)
    return see_other(PATH, notice="Organisation details saved")


@post(f"{PATH}/echo")
async def echo(request: Request[Any, Any, Any]) -> Template:
    """An HTMX fragment: proves HTMX requests carry the CSRF token (the POST would get a 403 without it)."""
    form = await read_form(request)
    return fragment(request, "frame_test_echo.html", {"name": form.value("contact_name")})


def install(app: Litestar) -> None:
    """Add the test page (and its template) to an app made by ``create_app``; safe to call twice."""
    engine = app.template_engine
    assert engine is not None
    loader = engine.engine.loader  # a ChoiceLoader: put a DictLoader with the test template in front
    from jinja2 import ChoiceLoader, DictLoader

    if not getattr(app.state, "frame_test_installed", False):
        engine.engine.loader = ChoiceLoader([DictLoader({
            "frame_test_organisation.html": TEMPLATE,
            "frame_test_echo.html": '<p class="govuk-body" id="echoed">The contact is {{ name }}.</p>',
        }), loader])
        app.register(page_router([show, save, echo]))  # the same stack as every page (unit of work included)
        app.state.frame_test_installed = True
