"""Deterministic text splitters with size + overlap and a content hash per chunk.

Strategies (`CHUNK_STRATEGY`):

- `recursive`: split on the coarsest boundary that exists (paragraph, line, sentence,
  word, then characters) until every piece fits `size` characters, then pack pieces
  greedily into chunks of at most `size` characters. Each chunk after the first starts
  with up to `overlap` characters of the previous one, cut at a word boundary.
- `tokens`: windows of `size` "tokens" advancing by `size - overlap`. A token is a run of
  at most 4 word characters or one punctuation mark (with its leading whitespace): about
  the 4-characters-per-token rule of thumb of BPE tokenizers, without shipping a tokenizer.
- `markdown`: split at ATX headings (`#` .. `######`, ignoring fenced code blocks); every
  chunk records its heading path (`"Guide > Install"`) as `section`; long sections are
  split recursively and every continuation chunk repeats the section's heading line so it
  keeps its context.

All splitters are pure functions of (text, size, overlap): the same input always yields
the same chunks, which is what makes unchanged chunks recognisable by hash on re-ingest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .models import Chunk

SEPARATORS: tuple[str, ...] = ("\n\n", "\n", ". ", "? ", "! ", "; ", ", ", " ", "")


def chunk_text(text: str, strategy: str, size: int, overlap: int) -> list[Chunk]:
    """Split `text` with the named strategy; returns chunks indexed from 0."""
    if size <= 0:
        raise ValueError("size must be positive")
    if not 0 <= overlap < size:
        raise ValueError("overlap must be >= 0 and smaller than size")
    splitter: dict[str, Callable[[str, int, int], list[tuple[str, str]]]] = {
        "recursive": lambda t, s, o: [("", c) for c in split_recursive(t, s, o)],
        "tokens": lambda t, s, o: [("", c) for c in split_tokens(t, s, o)],
        "markdown": split_markdown,
    }
    try:
        parts = splitter[strategy](text, size, overlap)
    except KeyError:
        raise ValueError(f"unknown chunk strategy {strategy!r}") from None
    return [Chunk(index=i, text=body, section=section) for i, (section, body) in enumerate(parts)]


# --------------------------------------------------------------------------- recursive


def _pieces(text: str, size: int, separators: Sequence[str]) -> list[str]:
    """Lossless split: `''.join(result) == text` and every piece has `len <= size`."""
    if len(text) <= size:
        return [text]
    for position, separator in enumerate(separators):
        if separator == "":
            return [text[i : i + size] for i in range(0, len(text), size)]
        if separator in text:
            parts = text.split(separator)
            with_sep = [p + separator for p in parts[:-1]] + [parts[-1]]
            out: list[str] = []
            for part in with_sep:
                if not part:
                    continue
                if len(part) <= size:
                    out.append(part)
                else:
                    out.extend(_pieces(part, size, separators[position + 1 :]))
            return out
    return [text[i : i + size] for i in range(0, len(text), size)]


def _overlap_tail(chunk: str, overlap: int) -> str:
    if overlap <= 0 or not chunk:
        return ""
    tail = chunk[-overlap:]
    if len(tail) < len(chunk) and not chunk[-overlap - 1].isspace():
        # Do not start the next chunk in the middle of a word.
        match = re.search(r"\s", tail)
        tail = tail[match.end() :] if match else ""
    return tail.lstrip()


def split_recursive(text: str, size: int, overlap: int, separators: Sequence[str] = SEPARATORS) -> list[str]:
    chunks: list[str] = []
    current = ""
    has_new_content = False
    for piece in _pieces(text, size, separators):
        if len(current) + len(piece) <= size:
            current += piece
            has_new_content = has_new_content or bool(piece.strip())
            continue
        if has_new_content and current.strip():
            chunks.append(current.strip())
        tail = _overlap_tail(current, overlap)
        current = tail + piece if len(tail) + len(piece) <= size else piece
        has_new_content = bool(piece.strip())
    if has_new_content and current.strip():
        chunks.append(current.strip())
    return chunks


# --------------------------------------------------------------------------- tokens

_TOKEN = re.compile(r"\s*(?:\w{1,4}|[^\w\s])", re.UNICODE)


def count_tokens(text: str) -> int:
    return sum(1 for _ in _TOKEN.finditer(text))


def split_tokens(text: str, size: int, overlap: int) -> list[str]:
    tokens = [m.group(0) for m in _TOKEN.finditer(text)]
    if not tokens:
        return []
    step = size - overlap
    chunks: list[str] = []
    start = 0
    while True:
        window = "".join(tokens[start : start + size]).strip()
        if window:
            chunks.append(window)
        if start + size >= len(tokens):
            break
        start += step
    return chunks


# --------------------------------------------------------------------------- markdown

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$")
_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}|~{3,})")


def _sections(text: str) -> list[tuple[list[str], str, str]]:
    """(heading path, heading line, body) per section, in document order."""
    sections: list[tuple[list[str], str, str]] = []
    path: list[tuple[int, str]] = []
    heading_line = ""
    body: list[str] = []
    fence: str | None = None

    def flush() -> None:
        sections.append(([title for _, title in path], heading_line, "\n".join(body)))

    for line in text.split("\n"):
        fence_match = _FENCE.match(line)
        if fence_match:
            marker = fence_match.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
            body.append(line)
            continue
        heading = _HEADING.match(line) if fence is None else None
        if heading:
            flush()
            level = len(heading.group(1))
            title = heading.group(2).strip()
            path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, title)]
            heading_line = line.strip()
            body = []
        else:
            body.append(line)
    flush()
    return sections


def split_markdown(text: str, size: int, overlap: int) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for path, heading_line, body in _sections(text):
        if not body.strip():
            continue  # a heading with no text of its own: it lives on in its children's paths
        section = " > ".join(path)
        whole = f"{heading_line}\n{body.strip()}" if heading_line else body.strip()
        if len(whole) <= size:
            out.append((section, whole.strip()))
            continue
        prefix = f"{heading_line}\n" if heading_line and len(heading_line) + 1 <= size // 2 else ""
        budget = size - len(prefix)
        parts = split_recursive(body, budget, min(overlap, budget - 1))
        for part in parts:
            out.append((section, f"{prefix}{part}" if prefix else part))
    return out
