"""What the rules read of a notice: one ``TextField`` per part, document pages included."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from vocabulary.decision import TextField

__all__ = ["NoticeFields", "notice_text_fields", "notice_texts"]


class NoticeFields(Protocol):
    """What the rules read of a notice, as a crawled item and a stored row both spell it."""

    @property
    def title(self) -> str | None: ...
    @property
    def description(self) -> str | None: ...
    @property
    def buyer_name(self) -> str | None: ...
    @property
    def lots(self) -> Sequence[Mapping[str, Any]] | None: ...
    @property
    def extra_text(self) -> str | None: ...
    @property
    def descriptors(self) -> Sequence[str] | None: ...
    @property
    def cpv_codes(self) -> Sequence[str] | None: ...


def notice_texts(
    notice: NoticeFields, pages: Iterable[tuple[str, int, str]] = ()
) -> list[TextField]:
    """``notice_text_fields`` of a notice item or a stored notice, with its documents' pages."""
    return notice_text_fields(
        title=notice.title or "",
        description=notice.description or "",
        buyer=notice.buyer_name,
        lots=notice.lots or [],
        extra=notice.extra_text or "",
        descriptors=notice.descriptors or [],
        cpv_codes=notice.cpv_codes or [],
        pages=pages,
    )


def notice_text_fields(
    *,
    title: str,
    description: str = "",
    buyer: str | None = None,
    lots: Sequence[Mapping[str, Any]] = (),
    extra: str = "",
    descriptors: Iterable[str] = (),
    cpv_codes: Iterable[str] = (),
    pages: Iterable[tuple[str, int, str]] = (),
) -> list[TextField]:
    """The texts to classify. ``pages`` holds (document sha256, page number, text)."""
    fields = [TextField("title", title or "")]
    if description:
        fields.append(TextField("description", description))
    if buyer:
        fields.append(TextField("buyer", buyer))
    for lot in lots:
        text = " ".join(str(lot.get(k) or "") for k in ("title", "description")).strip()
        if text:
            fields.append(TextField("lots", text))
    if extra:
        fields.append(TextField("extra", extra))
    fields.extend(TextField("descriptor", d) for d in descriptors if d)
    fields.extend(TextField("cpv", c) for c in cpv_codes if c)
    fields.extend(
        TextField("document", text, document=sha, page=page) for sha, page, text in pages if text
    )
    return fields
