"""Involvement: participants, projects, activities and their records, approval, balances and watch limits.

Services here take a ``Session`` and the calling ``Actor``, flush but never commit (the API request or the
CLI command owns the one transaction), and raise ``ledger.errors`` only, never HTTP errors. Money crosses
the boundary as strings with the currency's decimal places; inside it is ``Decimal``; in the database it
is integer minor units.
"""
