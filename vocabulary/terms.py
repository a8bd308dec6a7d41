"""The closed sets of words every package uses: notice kinds, review verdicts, rule categories.

Each set is a ``Literal`` type (for mypy) and a tuple of its values (for validation, choices in the
CLI and the web UI, and database checks). A value outside a set is a bug or bad input, never a
new meaning: add it here first.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "CATEGORIES",
    "NOTICE_KINDS",
    "POSITIVE_VERDICTS",
    "VERDICTS",
    "Category",
    "NoticeKind",
    "Verdict",
]

#: What a notice is. ``deliberation`` is a council act; ``contract`` a DECP record;
#: ``authorisation`` an act of a prefect (drone flight, camera system …) read from its recueil.
NoticeKind = Literal[
    "tender",
    "correction",
    "cancellation",
    "award",
    "prior_information",
    "contract",
    "deliberation",
    "authorisation",
    "other",
]
NOTICE_KINDS: tuple[NoticeKind, ...] = get_args(NoticeKind)

#: An analyst's verdict on a notice; ``new`` is the state of a notice nobody has judged yet.
Verdict = Literal["new", "relevant", "not_relevant", "follow_up", "foi_requested", "documented"]
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
#: verdicts that say "this is surveillance technology", whatever the follow-up
POSITIVE_VERDICTS: tuple[Verdict, ...] = ("relevant", "follow_up", "foi_requested", "documented")

#: The categories of surveillance technology the rules flag (extract/rules/*.toml uses these).
Category = Literal[
    "videosurveillance",
    "video_analytics",
    "facial_recognition",
    "biometrics",
    "lapi",
    "drones",
    "audio_detection",
    "big_data_policing",
    "social_media_monitoring",
]
CATEGORIES: tuple[Category, ...] = get_args(Category)
