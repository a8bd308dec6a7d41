"""Storage: SQLAlchemy 2 models, Alembic migrations, and one query per question.

SQLite is the zero-set-up default, PostgreSQL production. Functions take a ``Session`` first and
never commit: the caller owns the transaction (``db.session.session_scope``). Imports only the
shared ``vocabulary``; the crawler, the desk, the digests and the CLI all read through here.

* ``models/`` — the schema by area; ``session``, ``migrate``, ``migrations/``, ``fulltext``;
* writes — ``store`` (notices, idempotent batches), ``flags`` (the rules' decision),
  ``documents``, ``runs``, ``jobs``, ``locks``;
* one query per question — ``notice_list`` (which notices: CLI, desk, exports, digests) with
  ``notice_export`` (their one column list), ``rule_feedback`` (which rules make noise),
  ``linking.story`` (a notice's whole story); ``linking/`` also draws the links (pure
  ``scoring``, the ``linker``'s walk); ``health`` reads a source's state.
"""
