"""Letting people know: payment advice, statements and sign-in codes by e-mail, and letters by post.

How the package is laid out (read docs/messages.md for what users see):

* ``contact``: THE rule for each person's choice (e-mail, post, no messages) and their postal address;
* ``outbox``: writing messages in the event's own transaction (``queue_remittances`` is called where a
  batch is marked paid), handing them to workers (claim with a lease, ``FOR UPDATE SKIP LOCKED``), and
  finance's view (list, resend);
* ``words`` -> ``render``: what each message says, as plain data, then as plain text and accessible HTML
  (the same words serve the letters);
* ``compose``: an outbox row made into the finished e-mail (PDF attached, fixed Message-ID);
* ``transport``: ``LEDGER_SMTP_URL`` (SMTP with STARTTLS or TLS and a sign-in, or a folder of .eml files);
* ``worker`` / ``background``: ``ledger worker`` and the worker thread inside ``ledger serve``;
* ``letters``: one print-ready PDF of letters for a batch or a statement run;
* ``sign_in``: e-mailing the web interface's sign-in codes and invitations.
"""
