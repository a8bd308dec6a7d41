"""The analysts' desk: a server-rendered Flask app to triage flagged notices (see docs/review.md).

Entry points: ``review.app.create_app`` (WSGI factory), ``veilleur.commands.review.serve`` and
``veilleur.commands.review.users`` (``veilleur serve`` / ``veilleur users``). Nothing else imports this package.
"""
