"""Compare a template's properties with what the emulator reports, value by value.

The template side may hold intrinsic functions; a resolver turns those it can into deployed values
(a `Ref` to a resource of the same stack, `Fn::GetStackOutput`, an SSM-backed parameter) and the
rest are skipped, so only what the template states and the deploy could not change is compared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

UNRESOLVED = object()
Resolver = Callable[[dict[str, Any]], Any]


def is_intrinsic(value: Any) -> bool:
    if not isinstance(value, dict) or len(value) != 1:
        return False
    key = str(next(iter(value)))
    return key == "Ref" or key.startswith("Fn::")


def _tags_as_map(tags: Any) -> Any:
    if isinstance(tags, list) and all(isinstance(tag, dict) and "Key" in tag for tag in tags):
        return {tag["Key"]: tag.get("Value") for tag in tags}
    return tags


def _scalar_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return str(expected).lower() == str(actual).lower()
    return str(expected) == str(actual)


def mismatches(expected: Any, actual: Any, path: str, resolve: Resolver) -> list[str]:
    """Where `actual` differs from `expected` (template side); keys only in `actual` are fine."""
    if is_intrinsic(expected):
        expected = resolve(expected)
        if expected is UNRESOLVED:
            return []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: template has a mapping, the emulator {actual!r}"]
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing in the emulator (template: {_short(value)})")
            else:
                problems.extend(mismatches(value, actual[key], f"{path}.{key}", resolve))
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: template {_short(expected)}, emulator {_short(actual)}"]
        return [problem for index, (item, other) in enumerate(zip(expected, actual, strict=True))
                for problem in mismatches(item, other, f"{path}[{index}]", resolve)]
    if not _scalar_equal(expected, actual):
        return [f"{path}: template {expected!r}, emulator {actual!r}"]
    return []


# Key/Value lists compared as maps (services do not keep their order; CloudFormation adds its own tags).
KEY_VALUE_LISTS = frozenset({"Tags", "LoadBalancerAttributes", "TargetGroupAttributes"})
# Lists of ids compared as sets (services return them in their own order).
ID_SETS = frozenset({"Subnets", "SecurityGroups", "SecurityGroupIds", "VPCZoneIdentifier", "TargetGroupARNs"})


def _as_id_set(expected: Any, resolve: Resolver) -> Any:
    """A template list of ids with each element resolved, sorted; UNRESOLVED when one cannot be."""
    values = [resolve(item) if is_intrinsic(item) else item for item in expected]
    return UNRESOLVED if any(value is UNRESOLVED for value in values) else sorted(map(str, values))


def compare_properties(properties: dict[str, Any], actual: dict[str, Any], keys: tuple[str, ...], where: str,
                       resolve: Resolver) -> list[str]:
    """Compare `keys` of a resource's template properties with the emulator's view in the same shape."""
    problems = []
    for key in keys:
        if key not in properties:
            continue
        expected, seen = properties[key], actual.get(key)
        if key in KEY_VALUE_LISTS:
            expected, seen = _tags_as_map(expected), _tags_as_map(seen)
        elif key in ID_SETS and isinstance(expected, list):
            expected = _as_id_set(expected, resolve)
            if expected is UNRESOLVED:
                continue
            seen = sorted(map(str, seen)) if isinstance(seen, list) else seen
        if seen is None:
            problems.append(f"{where}.{key}: missing in the emulator (template: {_short(expected)})")
        else:
            problems.extend(mismatches(expected, seen, f"{where}.{key}", resolve))
    return problems


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
