"""The plain data a letter is written from, and the letter itself as blocks of lines.

Every field is text or a date the caller already has (a stored request, the notice it is
about); nothing here reads a database. Empty fields are allowed: the letter then shows a
bracketed placeholder for a volunteer to fill, never an invented value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

__all__ = ["Ask", "Block", "Letter", "NoticeFacts", "Party", "Recipient", "RequestFacts"]


@dataclass(frozen=True)
class Party:
    """Who asks: a person (name, home address) or an organisation (its legal form, name,
    registered office and the person representing it) — what CRPA R343-1 asks a referral to
    state."""

    kind: str = "person"
    name: str = ""
    legal_form: str = ""
    representative: str = ""
    #: home or registered-office address, lines separated by newlines
    address: str = ""
    email: str = ""

    @property
    def is_organisation(self) -> bool:
        return self.kind == "organisation"


@dataclass(frozen=True)
class Recipient:
    """The public body asked, as far as the notice tells: ``hint`` is the address text found in
    the notice when it could not be split into fields."""

    name: str = ""
    service: str = ""
    address: str = ""
    email: str = ""
    siret: str = ""
    hint: str = ""


@dataclass(frozen=True)
class NoticeFacts:
    """What the letter says about the notice that prompted the request."""

    title: str
    kind: str
    source: str
    source_id: str
    url: str = ""
    published_at: date | None = None
    buyer_name: str = ""
    categories: tuple[str, ...] = ()
    awardees: tuple[str, ...] = ()


@dataclass(frozen=True)
class Ask:
    """One document asked for: a catalogue key and the words used in the letter."""

    key: str
    label: str


@dataclass(frozen=True)
class RequestFacts:
    """A request as recorded: enough to write the request and, later, the referral."""

    notice: NoticeFacts
    documents: tuple[Ask, ...]
    requester: Party = field(default_factory=Party)
    recipient: Recipient = field(default_factory=Recipient)
    mode: str = "email"
    place: str = ""
    written_on: date | None = None
    request_id: int | None = None
    sent_on: date | None = None
    received_on: date | None = None
    answered_on: date | None = None
    outcome: str | None = None
    #: keys of the documents not communicated (a partial answer)
    missing: tuple[str, ...] = ()
    refusal_on: date | None = None
    implicit: bool = True


@dataclass(frozen=True)
class Block:
    """A paragraph (``lines`` joined as one paragraph each) or a numbered list."""

    lines: tuple[str, ...]
    numbered: bool = False
    bold: bool = False


@dataclass(frozen=True)
class Letter:
    """A letter as blocks, in reading order; renderers only lay them out."""

    kind: str
    sender: tuple[str, ...]
    recipient: tuple[str, ...]
    place_date: str
    subject: str
    body: tuple[Block, ...]
    signature: tuple[str, ...]
    attachments: tuple[str, ...] = ()

    def paragraphs(self) -> list[str]:
        """Every line of the letter in order, lists numbered: what a reader extracts."""
        out = [*self.sender, "", *self.recipient, "", self.place_date, "", self.subject, ""]
        for block in self.body:
            if block.numbered:
                out += [f"{i}. {line}" for i, line in enumerate(block.lines, 1)]
            else:
                out += list(block.lines)
            out.append("")
        out += list(self.signature)
        if self.attachments:
            out += ["", "Pièces jointes :"]
            out += [f"{i}. {line}" for i, line in enumerate(self.attachments, 1)]
        return out
