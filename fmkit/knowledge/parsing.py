"""Turn object bytes into plain text (markdown-flavoured where structure exists).

Supported: `.txt`, `.md`/`.markdown`, `.html`/`.htm` (BeautifulSoup), `.pdf`
(pypdf), `.docx` (python-docx), `.csv`. HTML and DOCX headings become `#` headings,
so the `markdown` chunking strategy can follow their structure too.

Any input that cannot become useful text raises `UnparseableDocument` with a
human-readable `reason` (the ingest handler copies it into the dead-letter message).
Third-party parsers are imported lazily, so the query function never needs them.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from .errors import UnparseableDocument

__all__ = ["ParsedDocument", "UnparseableDocument", "doc_type_of", "parse_document"]

_TYPES = {
    ".txt": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".csv": "csv",
}


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    text: str
    doc_type: str
    title: str = ""


def doc_type_of(key: str) -> str | None:
    """`'pdf'` for `reports/q3.PDF`; `None` when the suffix is unsupported."""
    lowered = key.lower()
    for suffix, kind in _TYPES.items():
        if lowered.endswith(suffix):
            return kind
    return None


def parse_document(key: str, data: bytes, *, max_bytes: int | None = None) -> ParsedDocument:
    """Parse `data` according to the suffix of `key`.

    Raises `UnparseableDocument` when the input is oversized, empty, corrupt,
    encrypted, of an unsupported type, or yields no text.
    """
    if max_bytes is not None and len(data) > max_bytes:
        raise UnparseableDocument(f"object too large: {len(data)} bytes > MAX_OBJECT_BYTES={max_bytes}")
    doc_type = doc_type_of(key)
    if doc_type is None:
        raise UnparseableDocument(f"unsupported file type: {key!r}")
    if not data.strip():
        raise UnparseableDocument("empty document: the object has no content")
    parser = _PARSERS[doc_type]
    title, text = parser(data)
    text = _normalise(text)
    if not text:
        raise UnparseableDocument(f"empty document: no extractable text in {doc_type}")
    return ParsedDocument(text=text, doc_type=doc_type, title=title)


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text = re.sub(r"[ \t\f\v]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnparseableDocument(f"corrupt text: invalid UTF-16 ({exc.reason})") from exc
    if b"\x00" in data[:8192]:
        raise UnparseableDocument("binary content in a text file (NUL bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Legacy Windows text; cp1252 leaves 5 byte values undefined, latin-1 maps all.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _parse_text(data: bytes) -> tuple[str, str]:
    return "", _decode(data)


def _parse_markdown(data: bytes) -> tuple[str, str]:
    text = _decode(data)
    match = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
    return (match.group(1).strip() if match else ""), text


def _parse_html(data: bytes) -> tuple[str, str]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "noscript", "template", "svg"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.head is not None:
        soup.head.decompose()
    for level in range(1, 7):
        for heading in soup.find_all(f"h{level}"):
            heading.replace_with(f"\n\n{'#' * level} {heading.get_text(' ', strip=True)}\n\n")
    for item in soup.find_all("li"):
        item.insert_before("\n- ")
    for block in soup.find_all(["p", "div", "section", "article", "br", "tr", "pre", "blockquote", "table"]):
        block.insert_after("\n")
    text = soup.get_text()
    text = "\n".join(line.strip() for line in text.splitlines())
    return title, text


def _parse_pdf(data: bytes) -> tuple[str, str]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:5].startswith(b"%PDF"):
        raise UnparseableDocument("corrupt pdf: missing %PDF header")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise UnparseableDocument("encrypted pdf: a password is required")
            except (NotImplementedError, PyPdfError) as exc:
                raise UnparseableDocument(f"encrypted pdf: {exc}") from exc
        pages = [page.extract_text() or "" for page in reader.pages]
        title = ""
        if reader.metadata is not None and reader.metadata.title:
            title = str(reader.metadata.title)
    except UnparseableDocument:
        raise
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        IndexError,
        OSError,
        RecursionError,
    ) as exc:
        raise UnparseableDocument(f"corrupt pdf: {type(exc).__name__}: {exc}") from exc
    if not pages:
        raise UnparseableDocument("corrupt pdf: no pages")
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise UnparseableDocument("empty document: the pdf has no extractable text (scanned images?)")
    return title, text


def _parse_docx(data: bytes) -> tuple[str, str]:
    import zipfile

    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnparseableDocument(f"corrupt docx: {type(exc).__name__}: {exc}") from exc
    lines: list[str] = []
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        match = re.match(r"Heading (\d)", style)
        if style == "Title":
            lines.append(f"# {text}")
        elif match:
            lines.append(f"{'#' * min(int(match.group(1)), 6)} {text}")
        else:
            lines.append(text)
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells]
            if any(cells):
                lines.append(" | ".join(cells))
    title = document.core_properties.title or ""
    return title, "\n\n".join(lines)


def _parse_csv(data: bytes) -> tuple[str, str]:
    text = _decode(data)
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise UnparseableDocument(f"corrupt csv: {exc}") from exc
    if not rows:
        return "", ""
    header, body = rows[0], rows[1:]
    if not body:
        return "", ", ".join(header)
    lines = []
    for row in body:
        pairs = [
            f"{name.strip() or f'column {i + 1}'}: {value.strip()}"
            for i, (name, value) in enumerate(zip(header + [""] * (len(row) - len(header)), row, strict=False))
            if value.strip()
        ]
        lines.append("; ".join(pairs))
    return "", "\n".join(lines)


_PARSERS = {
    "txt": _parse_text,
    "md": _parse_markdown,
    "html": _parse_html,
    "pdf": _parse_pdf,
    "docx": _parse_docx,
    "csv": _parse_csv,
}
