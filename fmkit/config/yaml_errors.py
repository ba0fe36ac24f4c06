"""Turn the YAML parser's messages into the line the user got wrong and what to write instead.

The parser reports where it *noticed* a problem, which is often the line after the mistake
(an unclosed quote is noticed at the end of the file, a key without ':' on the next line).
Where the parser also records where the construct *started* (its context mark), that is the
line to show. Messages not listed here pass through unchanged, never hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

from ruamel.yaml.error import MarkedYAMLError


@dataclass(frozen=True)
class Explained:
    line: int  # 1-based
    column: int
    message: str
    hint: str | None


# (text in the parser's problem, text in its context or "", use the context mark?, message, hint)
_RULES: tuple[tuple[str, str, bool, str, str], ...] = (
    ("duplicate key", "", False, "", "each key may appear once in a mapping; remove or merge the repeated one"),
    ("could not find expected ':'", "", True, "a key without ':' (or a line that is not 'key: value')",
     "write 'key: value'; a value that spans lines must be quoted or indented under its key"),
    ("unexpected end of stream", "quoted scalar", True, "a quoted value is never closed",
     "close the quote on the same line (or escape a quote inside it: \\\" or '')"),
    ("found unexpected end of stream", "", True, "the file ends inside an unfinished value", "close it"),
    ("expected ',' or ']'", "", True, "a '[' list is not closed before the next key",
     "close the list with ']' on this line, or write one '- item' per line"),
    ("expected ',' or '}'", "", True, "a '{' mapping is not closed before the next key",
     "close it with '}' on this line, or write one 'key: value' per line"),
    ("mapping values are not allowed here", "", False, "unexpected ':' in a value",
     "quote a value that contains ': ', or put a nested key on its own line, indented under its parent"),
    ("found character '\\t' that cannot start any token", "", False, "a tab character",
     "YAML indents with spaces only: replace the tab with spaces"),
    ("expected <block end>, but found '-'", "", False, "a list item '- …' where a key was expected",
     "indent list items under their key (e.g. 'items:' then '  - value'), or remove the '-'"),
    ("expected <block end>", "", False, "this line is indented differently from the keys above it",
     "align it with its sibling keys (same number of spaces), or indent it under the key it belongs to"),
    ("found undefined alias", "", False, "", "define the anchor ('&name') before using the alias ('*name')"),
)


def explain(exc: MarkedYAMLError) -> Explained:
    """Where and what, for a parser error; raw parser text is kept where no rule matches."""
    problem = (exc.problem or exc.context or "invalid YAML").strip()
    context = (exc.context or "").strip()
    for needle, in_context, use_context, message, hint in _RULES:
        if needle in problem and in_context in context:
            mark = exc.context_mark if use_context and exc.context_mark is not None else exc.problem_mark
            line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            return Explained(line, column, f"invalid YAML: {message or problem}", hint)
    mark = exc.problem_mark or exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return Explained(line, column, f"invalid YAML: {problem}", None)
