"""Turn pydantic validation errors into `file:line:col: message — hint` problems.

pydantic reports a `loc` path through the *models*; we walk it through the data and
the type annotations together, so we can point at the right line (the key for an
unknown key, the value for a wrong value) and offer did-you-mean hints.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from fmkit.config.errors import ConfigProblem, Location
from fmkit.config.yaml_source import DocPath, SourceMap


def _unwrap(tp: Any) -> Any:
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
            continue
        if origin in (Union, types.UnionType):
            members = [a for a in get_args(tp) if a is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp


def _union_members(tp: Any) -> list[Any]:
    tp = _unwrap(tp)
    if get_origin(tp) in (Union, types.UnionType):
        return [_unwrap(a) for a in get_args(tp) if a is not type(None)]
    return []


def _tag_member(tp: Any, tag: str) -> Any | None:
    """The member of a discriminated union whose Literal discriminator equals `tag`."""
    for member in _union_members(tp):
        if isinstance(member, type) and issubclass(member, BaseModel):
            for info in member.model_fields.values():
                annotation = _unwrap(info.annotation)
                if get_origin(annotation) is Literal and tag in get_args(annotation):
                    return member
    return None


def _child_type(tp: Any, key: str | int) -> Any:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        info = tp.model_fields.get(str(key))
        return info.annotation if info else None
    origin = get_origin(tp)
    if origin is dict:
        return get_args(tp)[1] if get_args(tp) else None
    if origin in (list, tuple, set, frozenset):
        return get_args(tp)[0] if get_args(tp) else None
    return None


def _allowed_keys(tp: Any) -> list[str]:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _field_description(tp: Any, key: str) -> str | None:
    tp = _unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        info = tp.model_fields.get(key)
        return info.description if info else None
    return None


def did_you_mean(value: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(str(value), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _walk(loc: tuple[Any, ...], data: Any, root: Any) -> tuple[DocPath, Any, Any, str | int | None]:
    """Follow `loc`: return (data path, type at that path, parent type, unresolved last element)."""
    path: list[str | int] = []
    current, tp, parent_tp = data, root, None
    for index, element in enumerate(loc):
        last = index == len(loc) - 1
        if element == "[key]":
            continue
        in_map = isinstance(current, dict) and element in current
        in_list = isinstance(current, list) and isinstance(element, int) and 0 <= element < len(current)
        if in_map or in_list:
            path.append(element)
            current, parent_tp, tp = current[element], tp, _child_type(tp, element)
        elif isinstance(element, str) and _tag_member(tp, element) is not None:
            tp = _tag_member(tp, element)
        elif last:
            return tuple(path), tp, parent_tp, element
        # else: a validator wrapper in the loc (e.g. "function-after[...]"): skip it
    return tuple(path), tp, parent_tp, None


def _expected_values(ctx: dict[str, Any]) -> list[str]:
    expected = ctx.get("expected") or ctx.get("expected_tags") or ""
    return re.findall(r"'([^']*)'", str(expected))


def relative_key(path: DocPath, prefix: DocPath) -> str:
    rest = path[len(prefix):] if path[: len(prefix)] == prefix else path
    return ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in rest).replace(".[", "[")


@dataclass(frozen=True)
class _Site:
    """Where a pydantic error points, once walked through the data and the types."""

    path: DocPath
    tp: Any  # type at the path
    parent_tp: Any
    missing: str | int | None  # the last loc element the data does not have
    key: str  # the path relative to the file that holds it

    @property
    def where(self) -> str:
        return f"'{self.key}'" if self.key else "this file"


Explanation = tuple[str, str | None]  # message, hint


def _unknown_key(err: ErrorDetails, site: _Site) -> Explanation:
    name = str(site.path[-1]) if site.path else "?"
    allowed = _allowed_keys(site.parent_tp)
    hint = did_you_mean(name, allowed) or (f"allowed keys here: {', '.join(allowed)}" if allowed else None)
    return f"unknown key '{name}'", hint


def _missing_key(err: ErrorDetails, site: _Site) -> Explanation:
    name = str(site.missing if site.missing is not None else (site.path[-1] if site.path else "?"))
    description = _field_description(site.tp, name)
    return (f"missing required key '{name}'" + (f" in {site.where}" if site.key else ""),
            f"add '{name}: …'" + (f" ({description})" if description else ""))


def _not_allowed(err: ErrorDetails, site: _Site) -> Explanation:
    choices = _expected_values(err.get("ctx") or {})
    return (f"{site.where}: '{err.get('input')}' is not allowed",
            did_you_mean(str(err.get("input")), choices) or f"expected one of: {', '.join(choices)}")


def _unknown_provider(err: ErrorDetails, site: _Site) -> Explanation:
    ctx = err.get("ctx") or {}
    choices = _expected_values(ctx)
    return (f"unknown provider '{ctx.get('tag')}'",
            did_you_mean(str(ctx.get("tag")), choices) or f"expected one of: {', '.join(choices)}")


def _missing_provider(err: ErrorDetails, site: _Site) -> Explanation:
    choices = [m.model_fields["provider"].annotation for m in _union_members(site.tp)
               if "provider" in getattr(m, "model_fields", {})]
    names = [get_args(c)[0] for c in choices if get_origin(c) is Literal]
    return "missing required key 'provider'", f"add 'provider: …' (one of: {', '.join(names)})" if names else None


def _fmkit_error(err: ErrorDetails, site: _Site) -> Explanation:
    return f"{site.where}: {err['msg']}", (err.get("ctx") or {}).get("hint")


def _pydantic_error(err: ErrorDetails, site: _Site) -> Explanation:
    """Any other pydantic error: its own message, with a hint for the shapes YAML gets wrong most."""
    kind = err["type"]
    hint = None
    value = err.get("input")
    if kind == "string_type" and isinstance(value, int | float):
        hint = "quote the value so YAML reads it as text, e.g. \"012345678901\""
    elif kind in ("int_type", "float_type", "bool_type") and isinstance(value, str):
        # Strict typing: a quoted "2" is text, not a number (and "true" is not a boolean).
        hint = f"write {value.strip()} without quotes: quoted values are text"
    elif kind in ("dict_type", "model_type", "model_attributes_type"):
        hint = "write a mapping of 'key: value' lines here"
    elif kind == "list_type":
        hint = "write a list ('- item' lines or [a, b]) here"
    return f"{site.where}: {err['msg'][0].lower()}{err['msg'][1:]}", hint


_EXPLAIN: dict[str, Callable[[ErrorDetails, _Site], Explanation]] = {
    "extra_forbidden": _unknown_key,
    "missing": _missing_key,
    "literal_error": _not_allowed,
    "enum": _not_allowed,
    "union_tag_invalid": _unknown_provider,
    "union_tag_not_found": _missing_provider,
    "fmkit": _fmkit_error,  # config_error(): the message and hint our validators wrote
}


def problems_from_validation(
    exc: ValidationError, data: Any, smap: SourceMap, root: Any, prefixes: dict[Any, DocPath]
) -> list[ConfigProblem]:
    problems = []
    for err in exc.errors(include_url=False):
        path, tp, parent_tp, missing = _walk(tuple(err["loc"]), data, root)
        kind = err["type"]
        if kind == "union_tag_invalid" and (*path, "provider") in smap.values:
            path = (*path, "provider")
        loc = smap.locate(path, prefer_key=kind == "extra_forbidden") or Location(
            Path(next(iter(prefixes), ".")), 1, 1)
        site = _Site(path, tp, parent_tp, missing, relative_key(path, prefixes.get(loc.file, ())))
        message, hint = _EXPLAIN.get(kind, _pydantic_error)(err, site)
        problems.append(ConfigProblem(loc, message, hint))
    return problems
