"""People who use the web interface: staff accounts, invitations, participants' sign-in codes, sessions
and sign-in throttling. These services own their transactions' rules; the CLI (``ledger users``) and the
web pages (``ledger.web.pages.auth_pages`` / ``admin_pages``) are thin callers.
"""
