"""The closed sets of words of access requests (CADA): states, answers, the Commission's
opinions, how a request went out, and the reminders a group gets.

Like :mod:`vocabulary.terms`, each set is a ``Literal`` type and a tuple of its values. The
law behind them is in ``docs/requests.md``.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "CADA_OPINIONS",
    "OPEN_STATES",
    "OUTCOMES",
    "REMINDERS",
    "REQUEST_STATES",
    "SEND_MODES",
    "CadaOpinion",
    "Outcome",
    "Reminder",
    "RequestState",
    "SendMode",
]

#: What a person recorded about a request. ``refused`` is an explicit refusal; silence past
#: the one-month delay is shown as an implicit refusal but stays ``sent`` in the database.
RequestState = Literal["draft", "sent", "answered", "refused", "referred", "closed"]
REQUEST_STATES: tuple[RequestState, ...] = get_args(RequestState)
#: states whose deadlines still matter
OPEN_STATES: tuple[RequestState, ...] = ("draft", "sent", "answered", "refused", "referred")

#: The administration's answer: every document, some of them, or none (explicit refusal).
Outcome = Literal["full", "partial", "refused"]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)

#: The Commission's opinion; ``moot`` is "sans objet" (the documents were sent meanwhile or do
#: not exist), ``inadmissible`` "irrecevable".
CadaOpinion = Literal["favourable", "partly", "unfavourable", "moot", "inadmissible"]
CADA_OPINIONS: tuple[CadaOpinion, ...] = get_args(CadaOpinion)

#: How the request went out: e-mail, post (registered letter with acknowledgment), or an
#: online form or platform (the buyer's form, Ma Dada …).
SendMode = Literal["email", "post", "online"]
SEND_MODES: tuple[SendMode, ...] = get_args(SendMode)

#: Reminders in a group's digest, each sent once per recipient and per date.
Reminder = Literal["refusal", "closing", "opinion", "documents"]
REMINDERS: tuple[Reminder, ...] = get_args(Reminder)
