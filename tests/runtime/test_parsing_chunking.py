"""Parsers and splitters: formats, typed failures, determinism, size/overlap properties."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from knowledge_common.chunking import chunk_text, count_tokens, split_markdown, split_recursive, split_tokens
from knowledge_common.errors import UnparseableDocument
from knowledge_common.models import content_hash
from knowledge_common.parsing import doc_type_of, parse_document

from tests.runtime.kb_helpers import lorem, make_docx, make_pdf

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


# --------------------------------------------------------------------------- chunking


def test_recursive_prefers_paragraph_boundaries_and_overlaps() -> None:
    paragraphs = [f"Paragraph {i}. " + lorem(i, 25) for i in range(6)]
    text = "\n\n".join(paragraphs)
    chunks = split_recursive(text, 400, 80)
    assert all(len(c) <= 400 for c in chunks)
    assert chunks[0].startswith("Paragraph 0.")
    for previous, current in itertools.pairwise(chunks):
        head = current[:20]
        assert head in previous or current.startswith("Paragraph"), "continuation must overlap the previous chunk"


def test_markdown_follows_headings_and_records_the_section_path() -> None:
    text = (
        "# Guide\n\nIntro text.\n\n## Install\n\nRun the installer.\n\n```\n# not a heading\n```\n\n"
        "### Linux\n\nUse the package.\n\n## Usage\n\n" + lorem(9, 120)
    )
    parts = split_markdown(text, 300, 40)
    sections = [s for s, _ in parts]
    assert sections[:3] == ["Guide", "Guide > Install", "Guide > Install > Linux"]
    assert "# not a heading" in parts[1][1]
    usage = [body for s, body in parts if s == "Guide > Usage"]
    assert len(usage) > 1 and all(body.startswith("## Usage\n") for body in usage)
    assert all(len(body) <= 300 for _, body in parts)


def test_token_windows_have_size_and_overlap() -> None:
    text = lorem(11, 300)
    chunks = split_tokens(text, 50, 10)
    assert all(count_tokens(c) <= 50 for c in chunks)
    first_tail = "".join(re.findall(r"\s*(?:\w{1,4}|[^\w\s])", chunks[0])[-10:]).strip()
    assert chunks[1].startswith(first_tail)


def test_chunks_are_deterministic_and_hashed() -> None:
    text = "# T\n\n" + lorem(3, 400)
    for strategy in ("recursive", "tokens", "markdown"):
        first = chunk_text(text, strategy, 200, 30)
        again = chunk_text(text, strategy, 200, 30)
        assert first == again
        assert [c.index for c in first] == list(range(len(first)))
        assert all(c.content_hash == content_hash(c.text) for c in first)


def test_invalid_chunk_parameters() -> None:
    with pytest.raises(ValueError, match="overlap"):
        chunk_text("abc", "recursive", 10, 10)
    with pytest.raises(ValueError, match="unknown chunk strategy"):
        chunk_text("abc", "sentences", 10, 1)


_text = st.text(alphabet=st.sampled_from(list("abcde fghij\n.,!")), min_size=0, max_size=3000)


@settings(max_examples=150, deadline=None)
@given(text=_text, size=st.integers(min_value=16, max_value=400), ratio=st.floats(min_value=0, max_value=0.9))
def test_recursive_chunks_fit_and_cover_every_word(text: str, size: int, ratio: float) -> None:
    overlap = int(size * ratio)
    chunks = split_recursive(text, size, overlap)
    assert all(0 < len(c) <= size for c in chunks)
    # Every word of the input survives, in order, in the concatenated chunks.
    joined = " ".join(chunks)
    position = 0
    for word in text.split():
        for piece in (word[i : i + size] for i in range(0, len(word), size)):
            found = joined.find(piece, position)
            assert found >= 0, piece
            position = found


@settings(max_examples=100, deadline=None)
@given(text=_text, size=st.integers(min_value=16, max_value=200), ratio=st.floats(min_value=0, max_value=0.9))
def test_markdown_and_token_chunks_respect_size(text: str, size: int, ratio: float) -> None:
    overlap = int(size * ratio)
    assert all(len(body) <= size for _, body in split_markdown(text, size, overlap))
    assert all(count_tokens(c) <= size for c in split_tokens(text, size, overlap))
