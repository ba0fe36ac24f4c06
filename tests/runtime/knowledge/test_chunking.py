"""Splitters: boundaries, overlap, determinism and size properties."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fmkit.knowledge.chunking import chunk_text, count_tokens, split_markdown, split_recursive, split_tokens
from fmkit.knowledge.models import content_hash
from tests.runtime.knowledge.helpers import lorem

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
