"""Parsers: formats, typed failures with a reason, suffix detection."""

from __future__ import annotations

import pytest

from fmkit.knowledge.errors import UnparseableDocument
from fmkit.knowledge.parsing import doc_type_of, parse_document
from tests.runtime.knowledge.helpers import make_docx, make_pdf

# --------------------------------------------------------------------------- parsing


def test_pdf_text_is_extracted_page_by_page() -> None:
    parsed = parse_document("r/q.pdf", make_pdf(["Revenue (EMEA) grew.", "Second page here."]))
    assert parsed.doc_type == "pdf"
    assert parsed.text == "Revenue (EMEA) grew.\n\nSecond page here."


def test_docx_headings_become_markdown_headings_and_tables_are_kept() -> None:
    parsed = parse_document("g/o.docx", make_docx("Guide", [("Setup", "Install the agent.")]))
    assert parsed.text.splitlines()[0] == "# Guide"
    assert "# Setup\n\nInstall the agent." in parsed.text
    assert "owner | platform team" in parsed.text


def test_html_drops_scripts_and_keeps_structure() -> None:
    html = (
        b"<html><head><title>Doc</title><style>p{}</style></head><body><h2>Part</h2>"
        b"<p>Alpha <b>beta</b></p><script>steal()</script><ul><li>one</li><li>two</li></ul></body></html>"
    )
    parsed = parse_document("x.HTML", html)
    assert parsed.title == "Doc"
    assert parsed.text == "## Part\n\nAlpha beta\n\n- one\n- two"
    assert "steal" not in parsed.text


def test_csv_rows_become_field_value_lines() -> None:
    parsed = parse_document("d.csv", b"name;team\nada;core\nbob;\n")
    assert parsed.text == "name: ada; team: core\nname: bob"


def test_text_decodes_utf8_bom_and_legacy_encodings() -> None:
    assert parse_document("a.txt", "\ufeffcaf\u00e9".encode()).text == "caf\u00e9"
    assert parse_document("a.txt", "caf\u00e9 \u2013 ok".encode("cp1252")).text == "caf\u00e9 \u2013 ok"


@pytest.mark.parametrize(
    ("key", "data", "reason"),
    [
        ("a.pdf", b"%PDF-1.4\n1 0 obj garbage", "corrupt pdf"),
        ("a.pdf", b"not a pdf at all", "corrupt pdf: missing %PDF header"),
        ("a.pdf", make_pdf([""]), "empty document: the pdf has no extractable text"),
        ("a.docx", b"PK\x03\x04 truncated zip", "corrupt docx"),
        ("a.txt", b"", "empty document"),
        ("a.md", b" \n\t\n", "empty document"),
        ("a.html", b"<html><body><script>x()</script></body></html>", "empty document: no extractable text"),
        ("a.txt", b"\x00\x01\x02binary", "binary content"),
        ("a.exe", b"MZ", "unsupported file type"),
    ],
)
def test_unparseable_inputs_raise_a_typed_error_with_a_reason(key: str, data: bytes, reason: str) -> None:
    with pytest.raises(UnparseableDocument) as info:
        parse_document(key, data)
    assert info.value.reason.startswith(reason)
    assert info.value.kind == "unparseable-document"


def test_oversized_input_is_rejected() -> None:
    with pytest.raises(UnparseableDocument, match=r"object too large: 11 bytes > MAX_OBJECT_BYTES=10"):
        parse_document("a.txt", b"hello world", max_bytes=10)


def test_doc_type_of() -> None:
    assert doc_type_of("A/B.Markdown") == "md"
    assert doc_type_of("x.htm") == "html"
    assert doc_type_of("x.png") is None
