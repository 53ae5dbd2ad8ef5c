"""The web interface: server-rendered pages (Jinja2, GOV.UK Frontend, HTMX) beside the API at ``/``.

Pages are thin: they call the same services as ``ledger.api`` and never hold a business rule of their own.
"""
