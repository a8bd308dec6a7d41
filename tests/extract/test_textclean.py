from __future__ import annotations

from extract.textclean import clean_text, fix_hyphenation, has_real_words


def test_hyphen_at_line_end_joins_lowercase_word():
    assert (
        fix_hyphenation("système de vidéo-\nsurveillance urbaine")
        == "système de vidéosurveillance urbaine"
    )


def test_hyphen_before_capital_is_kept():
    assert fix_hyphenation("commune de Saint-\nÉtienne") == "commune de Saint-Étienne"


def test_hyphen_after_digit_is_left_alone():
    assert fix_hyphenation("article 12-\nbis") == "article 12-\nbis"


def test_pdfium_line_end_hyphen_marker_is_fixed():
    assert clean_text("caméras de surveil\x02\r\nlance") == "caméras de surveillance"


def test_nul_bytes_are_removed():
    assert clean_text("vidéo\x00protection") == "vidéoprotection"


def test_page_number_alone_is_not_real_words():
    assert not has_real_words("- 3 -")


def test_glyph_soup_is_not_real_words():
    assert not has_real_words("ÿþ ¤¤ ## %% §§ ¶¶ ** || ~~ ^^ @@ ©©")


def test_french_sentence_is_real_words():
    assert has_real_words("Le conseil municipal approuve le centre de supervision urbain")
