"""The three formats carry the same paragraphs; the .odt and .docx are read back with the
project's own office reader, which is what an analyst's volunteer will open."""

from __future__ import annotations

import pytest

from extract.office import extract_office
from extract.result import Limits
from letters.compose import request_letter
from letters.render import file_name, render, to_text
from tests.letters.conftest import facts


@pytest.mark.parametrize("fmt", ["odt", "docx"])
def test_office_files_hold_the_letter_text(fmt: str) -> None:
    letter = request_letter(facts())
    result = extract_office(render(letter, fmt), fmt, Limits())
    assert result.status == "ok"
    read = [line for line in result.pages[0].text.splitlines() if line.strip()]
    assert read == [line for line in letter.paragraphs() if line.strip()]


def test_text_is_the_paragraphs_joined() -> None:
    letter = request_letter(facts())
    assert to_text(letter).splitlines() == letter.paragraphs()[: len(to_text(letter).splitlines())]


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="expected one of txt, odt, docx"):
        render(request_letter(facts()), "pdf")


def test_file_name_is_ascii_and_says_what_it_is() -> None:
    letter = request_letter(facts())
    assert file_name(letter, 12, "Ville de Chenôve", "odt") == "demande-12-ville-de-chenove.odt"
