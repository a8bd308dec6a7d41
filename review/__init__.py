"""The analysts' desk: a server-rendered Flask app to triage flagged notices (see docs/review.md).

Entry points: ``review.app.create_app`` (WSGI factory), ``review.cli.serve`` and
``review.cli.users`` (``veilleur serve`` / ``veilleur users``). Nothing else imports this package.
"""
