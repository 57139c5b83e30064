"""Official texts: every format read to paragraphs and words, every bad input refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from fpdf import FPDF

from indexer.errors import UsageError
from indexer.official import (
    OfficialText,
    OfficialTextError,
    Paragraph,
    normalise_word,
    parse_official_text,
    read_official_text,
)

STATEMENT = ROOT / "data" / "samples" / "otan-russie-2009-12-04.fr.txt"
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

PORTAL_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Déclaration à la presse &ndash; OTAN</title>
<style>.menu { color: red } /* stylesheetword */</style>
<script>var trackerword = "analyticsword";</script></head>
<body>
<header><div class="logo">Logoword</div></header>
<nav><ul><li><a href="/">Accueilword</a></li><li><a href="/news">Actualitésword</a></li></ul></nav>
<div role="navigation"><a href="/fil">Filword</a></div>
<main>
  <ol class="breadcrumb"><li>Accueilword</li><li>Déclarationsword</li></ol>
  <div id="cookie-notice">Nous utilisons des cookiesword <a href="#">Accepterword</a></div>
  <h1>Déclaration du Conseil OTAN-Russie</h1>
  <p>Mesdames, Messieurs, je viens de présider ma première réunion
     ministérielle du Conseil&nbsp;OTAN-Russie.</p>
  <p>Les 29 membres de l&rsquo;OTAN et la <em>Russie</em> ont décidé
     d&#8217;agir.</p>
  <div>Bien entendu, toutes les questions n’ont pas fait l’unanimité.</div>
  <ul><li>Premièrement, une revue conjointe ;</li><li>deuxièmement, un plan.</li></ul>
  <noscript>Activez JavaScriptword</noscript>
  <template><p>Templateword</p></template>
  <form><label>Newsletterword</label><input name="email"></form>
</main>
<aside>Lire aussiword</aside>
<footer><div id="cookie-banner">Ce site utilise des cookiesword. <button>OK</button></div>
<p>© OTAN Footerword</p></footer>
<script>document.write("scriptword")</script>
</body></html>
"""

SRT = """1
00:00:01,000 --> 00:00:03,500
Mesdames, <i>Messieurs</i>,

2
00:00:03,600 --> 00:00:06,000 X1:10 X2:20 Y1:5 Y2:9
{\\an8}je viens de présider
ma première réunion.

"""

VTT = """WEBVTT Kind: captions

NOTE This note is not spoken
and neither is its second line

STYLE
::cue { color: yellow }

intro
00:01.000 --> 00:04.250 align:start position:10%
<v Anders Fogh Rasmussen>Les 29 membres de l'OTAN</v>

00:00:04.300 --> 00:00:07.000
<c.loud>et la Russie.</c> <00:00:05.000>Merci &amp; au revoir.
"""


def words_of(text: OfficialText) -> list[str]:
    return [w.text for w in text.words()]


def french_pdf(path: Path, pages: list[list[str]], title: str = "") -> Path:
    """A real PDF written with a Unicode font; each page is a list of lines, "" a blank line."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)  # the footer stays at the foot of its page
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    if title:
        pdf.set_title(title)
    for number, lines in enumerate(pages, 1):
        pdf.add_page()
        pdf.cell(0, 8, "Conseil OTAN-Russie – Bruxelles", new_x="LMARGIN", new_y="NEXT")
        for line in lines:
            if line:
                pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.ln(8)
        pdf.set_y(-20)
        pdf.cell(0, 8, f"Page {number} / {len(pages)}")
    pdf.output(str(path))
    return path


# --- plain text ---------------------------------------------------------------------------


def test_real_statement_keeps_paragraphs_digits_elisions_and_punctuation() -> None:
    text = read_official_text(STATEMENT)
    assert text.source_format == "text"
    # The sample is the statement alone (its title and date are in the sidecar JSON).
    assert text.paragraphs[0].text.startswith("Mesdames, Messieurs, je viens de présider")
    assert len(text.paragraphs) == 9
    assert all(p.start is None and p.end is None for p in text.paragraphs)
    words = text.words()
    surfaces = [w.text for w in words]
    assert "29" in surfaces and "26" in surfaces and "2010," in surfaces
    assert "l’OTAN" in surfaces and "Russie." in surfaces and "d'une" in surfaces
    otan = next(w for w in words if w.text == "l’OTAN")
    assert otan.norm == "l'otan"
    assert otan.parts == ("l'", "otan")
    assert next(w for w in words if w.text == "Russie.").norm == "russie"
    # Accents are kept in the normal form; case is folded.
    assert next(w for w in words if w.text == "Deuxièmement,").norm == "deuxièmement"
    # The lone dash joins the word before it, so every word has something to match.
    assert "OTAN-Russie -" in surfaces
    assert all(w.norm for w in words)
    # Words come in order with their paragraph, and their offsets point into its text.
    assert [w.paragraph for w in words] == sorted(w.paragraph for w in words)
    for w in words[:200]:
        assert text.paragraphs[w.paragraph].text[w.start_char:w.end_char] == w.text


def test_paragraph_text_is_the_words_joined_by_spaces() -> None:
    text = parse_official_text(
        "  Bonjour  à tous ;\nvoici « la déclaration » !\n\n\n Deuxième\tparagraphe ?".encode(),
        "talk.txt",
    )
    assert [p.text for p in text.paragraphs] == [
        "Bonjour à tous ; voici « la déclaration » !",
        "Deuxième paragraphe ?",
    ]
    surfaces = words_of(text)
    assert surfaces == ["Bonjour", "à", "tous ;", "voici", "« la", "déclaration » !",
                        "Deuxième", "paragraphe ?"]
    assert [w.paragraph for w in text.words()] == [0] * 6 + [1] * 2


def test_text_with_one_paragraph_per_line_and_no_blank_line() -> None:
    text = parse_official_text("Premier paragraphe.\r\nDeuxième paragraphe.\r\n".encode(), "t.txt")
    assert [p.text for p in text.paragraphs] == ["Premier paragraphe.", "Deuxième paragraphe."]


def test_thousands_with_narrow_spaces_stay_one_number() -> None:
    text = parse_official_text("Il y a 1\u202f000 soldats et 3,5 % de 2\u00a0500.".encode(), "")
    words = text.words()
    assert [w.norm for w in words] == ["il", "y", "a", "1000", "soldats", "et", "3,5", "de",
                                       "2500"]
    assert words[3].text == "1\u202f000"


def test_normalise_word_is_what_the_aligner_applies_to_speech() -> None:
    assert normalise_word("L’OTAN,") == "l'otan"
    assert normalise_word("«Qu’il") == "qu'il"
    assert normalise_word("Élysée!") == "élysée"
    assert normalise_word("ﬁnancement") == "financement"
    assert normalise_word("...") == ""


def test_english_contractions_are_not_split_as_elisions() -> None:
    text = parse_official_text(b"It's NATO's council, don't you think? I'm sure.", "talk.txt")
    parts = {w.text: w.parts for w in text.words()}
    assert parts["It's"] == ("it's",)
    assert parts["don't"] == ("don't",)
    assert parts["think?"] == ("think",)


def test_utf8_bom_and_utf16_are_accepted() -> None:
    body = "Déclaration de l’OTAN à Bruxelles."
    for data in (b"\xef\xbb\xbf" + body.encode(), body.encode("utf-16")):
        text = parse_official_text(data, "talk.txt")
        assert text.paragraphs == [Paragraph(body)]


def test_hour_long_text_is_read_whole() -> None:
    statement = STATEMENT.read_text(encoding="utf-8")
    data = ("\n\n".join([statement] * 18)).encode()  # 18 x 4.4 min of speech: 80 min
    text = parse_official_text(data, "talk.txt")
    words = text.words()
    assert len(words) > 9000
    assert len(text.paragraphs) == 18 * 9
    assert words[-1].text == "ensemble."
    assert words[-1].paragraph == len(text.paragraphs) - 1


# --- HTML -----------------------------------------------------------------------------------


def test_portal_page_keeps_only_the_statement(tmp_path: Path) -> None:
    page = tmp_path / "talk.html"
    page.write_text(PORTAL_PAGE, encoding="utf-8")
    text = read_official_text(page)
    assert text.source_format == "html"
    assert text.title == "Déclaration à la presse – OTAN"
    assert [p.text for p in text.paragraphs] == [
        "Déclaration du Conseil OTAN-Russie",
        "Mesdames, Messieurs, je viens de présider ma première réunion ministérielle du "
        "Conseil OTAN-Russie.",
        "Les 29 membres de l’OTAN et la Russie ont décidé d’agir.",
        "Bien entendu, toutes les questions n’ont pas fait l’unanimité.",
        "Premièrement, une revue conjointe ;",
        "deuxièmement, un plan.",
    ]
    everything = " ".join(p.text for p in text.paragraphs)
    assert "word" not in everything  # no menu, script, style, banner, form or footer word


def test_html_without_main_uses_article_then_body() -> None:
    with_article = b"<html><body><nav>Menuword</nav><article><p>Le texte.</p></article>" \
        b"<p>Hors article.</p></body></html>"
    assert [p.text for p in parse_official_text(with_article, "a.htm").paragraphs] == [
        "Le texte."]
    bare = b"<body>Premier bloc<br><br>Second bloc<br>suite</body>"
    assert [p.text for p in parse_official_text(bare, "b.html").paragraphs] == [
        "Premier bloc", "Second bloc suite"]


def test_pasted_html_is_recognised_without_a_filename() -> None:
    text = parse_official_text(PORTAL_PAGE.encode(), "")
    assert text.source_format == "html"
    assert "scriptword" not in " ".join(p.text for p in text.paragraphs)


def test_html_in_a_declared_legacy_charset_is_decoded_as_declared() -> None:
    page = '<html><head><meta charset="iso-8859-1"></head><body><p>Déclaration à Genève</p>'
    text = parse_official_text(page.encode("latin-1"), "talk.html")
    assert text.paragraphs[0].text == "Déclaration à Genève"


# --- subtitles ------------------------------------------------------------------------------


def test_srt_cues_become_anchored_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "talk.srt"
    path.write_text(SRT, encoding="utf-8")
    text = read_official_text(path)
    assert text.source_format == "srt"
    assert text.paragraphs == [
        Paragraph("Mesdames, Messieurs,", 1.0, 3.5),
        Paragraph("je viens de présider ma première réunion.", 3.6, 6.0),
    ]


def test_vtt_ignores_notes_styles_voices_and_settings(tmp_path: Path) -> None:
    path = tmp_path / "talk.vtt"
    path.write_text(VTT, encoding="utf-8")
    text = read_official_text(path)
    assert text.source_format == "vtt"
    assert text.paragraphs == [
        Paragraph("Les 29 membres de l'OTAN", 1.0, 4.25),
        Paragraph("et la Russie. Merci & au revoir.", 4.3, 7.0),
    ]
    assert "Rasmussen" not in words_of(text)


def test_pasted_subtitles_are_recognised_without_a_filename() -> None:
    assert parse_official_text(SRT.encode(), "").source_format == "srt"
    assert parse_official_text(VTT.encode(), "").source_format == "vtt"


@pytest.mark.parametrize("bad_line", [
    "00:00:03,600 --> 00:00:0x,000",
    "00:00:03,600 --> 00:00:02,000",
    "00:61:03,600 --> 00:62:00,000",
])
def test_malformed_cue_time_names_its_line(bad_line: str) -> None:
    broken = SRT.replace("00:00:03,600 --> 00:00:06,000 X1:10 X2:20 Y1:5 Y2:9", bad_line)
    with pytest.raises(OfficialTextError, match=r"talk\.srt, line 6"):
        parse_official_text(broken.encode(), "talk.srt")


def test_srt_cue_with_a_broken_arrow_is_refused() -> None:
    broken = SRT.replace("00:00:03,600 --> 00:00:06,000", "00:00:03,600 -> 00:00:06,000")
    with pytest.raises(OfficialTextError, match=r"line 6.*no time line"):
        parse_official_text(broken.encode(), "talk.srt")


# --- PDF ------------------------------------------------------------------------------------


def test_two_page_french_pdf(tmp_path: Path) -> None:
    assert FONT.exists()
    path = french_pdf(tmp_path / "talk.pdf", [
        ["Déclaration du Conseil OTAN-Russie", "",
         "Mesdames, Messieurs, nous avons décidé de relancer la coopé-",
         "ration entre militaires et la lutte contre le terrorisme", "en Afghanistan."],
        ["Les 29 membres du Conseil OTAN-",
         "Russie sont convenus d’une marche à suivre."],
    ], title="Déclaration OTAN-Russie")
    text = read_official_text(path)
    assert text.source_format == "pdf"
    assert text.title == "Déclaration OTAN-Russie"
    assert [p.text for p in text.paragraphs] == [
        "Déclaration du Conseil OTAN-Russie",
        "Mesdames, Messieurs, nous avons décidé de relancer la coopération entre militaires "
        "et la lutte contre le terrorisme en Afghanistan.",
        "Les 29 membres du Conseil OTAN-Russie sont convenus d’une marche à suivre.",
    ]
    assert all(p.start is None for p in text.paragraphs)


def test_pdf_without_a_text_layer_asks_for_ocr(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # a "scan": marks on the page, no text
    path = tmp_path / "scan.pdf"
    pdf.output(str(path))
    with pytest.raises(OfficialTextError, match="scanned PDF has no text layer: OCR it first"):
        read_official_text(path)


def test_damaged_pdf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "talk.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"garbage " * 50)
    with pytest.raises(OfficialTextError, match="talk.pdf"):
        read_official_text(path)


def test_pdf_suffix_on_text_is_refused() -> None:
    with pytest.raises(OfficialTextError, match="not a PDF"):
        parse_official_text(b"Just text.", "talk.pdf")


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("data, filename", [
    (b"", "talk.txt"),
    (b"  \n\t\r\n \n", "talk.txt"),
    (b"\xef\xbb\xbf\n\n", "talk.txt"),
    (b"<html><body><nav>Menu</nav><script>x()</script></body></html>", "talk.html"),
    (b"WEBVTT\n\n00:01.000 --> 00:02.000\n<i></i>\n", "talk.vtt"),
])
def test_empty_files_are_refused(data: bytes, filename: str) -> None:
    with pytest.raises(OfficialTextError, match="no text"):
        parse_official_text(data, filename)


@pytest.mark.parametrize("data, what", [
    (b"Bonjour\x00\x00\x00tout le monde", "binary"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
    (b"PK\x03\x04\x14\x00\x06\x00word/document.xml", "Word"),
    (b"\x00\x00\x00\x20ftypisom\x00\x00", "binary"),
])
def test_binary_content_in_a_text_file_is_refused(data: bytes, what: str) -> None:
    with pytest.raises(OfficialTextError, match=what) as caught:
        parse_official_text(data, "talk.txt")
    assert "talk.txt" in str(caught.value)


def test_wrong_encoding_names_the_offset_and_says_save_as_utf8() -> None:
    data = "Première ligne\nDéclaration à Genève".encode("cp1252")
    with pytest.raises(OfficialTextError) as caught:
        parse_official_text(data, "talk.txt")
    message = str(caught.value)
    assert "not UTF-8" in message
    assert "offset 5" in message and "line 1" in message
    assert "save it as UTF-8" in message
    assert isinstance(caught.value, UsageError)


def test_unknown_format_is_refused() -> None:
    with pytest.raises(OfficialTextError, match=r"\.docx.*\.txt, \.html, \.srt, \.vtt or \.pdf"):
        parse_official_text(b"text", "talk.docx")


def test_file_too_large_says_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "talk.txt"
    path.write_bytes(b"mot " * 3000)
    with pytest.raises(OfficialTextError, match="larger than the 10 kB limit"):
        read_official_text(path, max_bytes=10_000)
    with pytest.raises(OfficialTextError, match="larger than the 10 kB limit"):
        parse_official_text(path.read_bytes(), "talk.txt", max_bytes=10_000)
    assert read_official_text(path).words()[0].text == "mot"


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OfficialTextError, match="cannot be read"):
        read_official_text(tmp_path / "absent.txt")


def test_srt_cues_without_blank_lines_between_them_stay_apart() -> None:
    crammed = ("1\n00:00:01,000 --> 00:00:02,000\nPremière phrase.\n"
               "2\n00:00:02,500 --> 00:00:04,000\nDeuxième phrase.\n")
    text = parse_official_text(crammed.encode(), "talk.srt")
    assert text.paragraphs == [Paragraph("Première phrase.", 1.0, 2.0),
                               Paragraph("Deuxième phrase.", 2.5, 4.0)]


def test_utf16_without_a_bom_is_named_as_a_possibility() -> None:
    with pytest.raises(OfficialTextError, match="UTF-16 text without a byte-order mark"):
        parse_official_text("Déclaration".encode("utf-16-le"), "talk.txt")


def test_password_protected_pdf_is_refused(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Confidential statement")
    path = tmp_path / "talk.pdf"
    pdf.output(str(path))
    with pytest.raises(OfficialTextError, match="password"):
        read_official_text(path)


def test_english_sample_reads_with_its_numbers() -> None:
    text = read_official_text(ROOT / "data" / "samples" / "nato-russia-2009-12-04.en.txt")
    words = text.words()
    assert len(text.paragraphs) > 3
    assert any(w.norm.isdigit() for w in words)
    assert all(w.norm for w in words)


def test_wrong_encoding_offset_counts_the_bom() -> None:
    data = b"\xef\xbb\xbfLigne\n\xe0 Gen\xe8ve"
    with pytest.raises(OfficialTextError, match=r"byte 0xE0 at offset 9 \(line 2\)"):
        parse_official_text(data, "talk.txt")


def test_pdf_keeps_the_hyphen_of_a_word_the_document_writes_hyphenated(tmp_path: Path) -> None:
    path = french_pdf(tmp_path / "talk.pdf", [[
        "La sécurité euro-atlantique compte. Notre sécurité euro-",
        "atlantique et notre coopé-",
        "ration aussi.",
    ]])
    text = read_official_text(path).text
    assert "Notre sécurité euro-atlantique et notre coopération aussi." in text


def test_vtt_header_run_straight_into_the_first_cue() -> None:
    text = parse_official_text(b"WEBVTT\n00:01.000 --> 00:02.000\nBonjour.\n", "talk.vtt")
    assert text.paragraphs == [Paragraph("Bonjour.", 1.0, 2.0)]
