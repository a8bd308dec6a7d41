"""Alembic migrations: ``versions/NNNN_slug.py``, one line of history (see ``db.migrate``)."""
