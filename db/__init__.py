"""Storage: SQLAlchemy 2 models, Alembic migrations, and one query per question.

SQLite is the zero-set-up default, PostgreSQL production. Functions take a ``Session`` first and
never commit: the caller owns the transaction (``db.session.session_scope``). Imports only the
shared ``vocabulary``; the crawler, the desk, the digests and the CLI all read through here.
"""
