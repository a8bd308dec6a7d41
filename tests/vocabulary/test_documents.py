"""Which reading outcomes are worth fetching again: the statuses extract gives real hostile
files (see tests/fixtures/documents/README.md)."""

from __future__ import annotations

import pytest

from extract.documents import extract_document
from tests.conftest import FIXTURES
from vocabulary.documents import DOCUMENT_STATUSES, FINAL_OK, is_retryable

HOSTILE = FIXTURES / "documents" / "hostile"


def _outcome(name: str) -> tuple[str, str | None]:
    result = extract_document((HOSTILE / name).read_bytes(), name=name)
    return result.status, result.reason


@pytest.mark.parametrize("name", ["empty-body.pdf", "html-served-as.pdf", "truncated.pdf"])
def test_a_bad_download_is_fetched_again(name: str) -> None:
    assert is_retryable(*_outcome(name))


@pytest.mark.parametrize("name", ["encrypted.pdf", "recursive-pages.pdf", "zip-slip.zip"])
def test_a_bad_document_is_not_fetched_again(name: str) -> None:
    assert not is_retryable(*_outcome(name))


def test_a_document_not_read_yet_is_fetched() -> None:
    assert is_retryable("pending", None)


def test_a_read_document_is_not_fetched_again() -> None:
    assert not any(is_retryable(status, None) for status in FINAL_OK)


def test_the_reason_code_decides_not_the_words() -> None:
    # "html" appearing later in a reason is not the "html" code
    assert not is_retryable("corrupt", "corrupt: an html fragment inside the PDF")


def test_pending_is_not_an_outcome() -> None:
    assert "pending" not in DOCUMENT_STATUSES
