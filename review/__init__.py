"""The analysts' desk: a server-rendered Flask app to triage flagged notices (docs/review.md).

Entry point: ``review.app.create_app`` (WSGI factory), served by ``veilleur serve``; accounts
through ``veilleur users``. Reads and writes through ``db``; only the shell imports it.
"""
