"""The pure rate-card engine: card model, TOML loading, calculation and explanations.

No database and no HTTP in this package: it turns a card, a date and recorded time into explained,
exact amounts, and nothing else. Everything above it (services, API, CLI) calls in; it calls out to
nothing but ``ledger.money`` and ``ledger.errors``.
"""
