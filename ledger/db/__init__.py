"""Storage: SQLAlchemy 2.x models, engine set-up for SQLite and PostgreSQL, Alembic migrations."""
