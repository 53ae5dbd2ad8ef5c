"""Read-only views of the ledger as plain data, for renderers (exports, statements, reports).

Why plain data: renderers then need no database, are easy to test, and cannot change what they show.
"""
