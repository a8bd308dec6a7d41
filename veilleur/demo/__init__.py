"""The offline demo: real recorded portal answers (``data/``) replayed over loopback HTTP.

``replay`` holds the replay server (recorded cassettes and an Opendatasoft emulator that keeps
the real API's paging rules); ``sources`` wires the demo's TED, DECP and council sources to it.
Tests replay the same recordings, so each is stored once.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEMO_DATA"]

#: the recorded answers and their READMEs (origin, licence, what is verbatim)
DEMO_DATA = Path(__file__).resolve().parent / "data"
