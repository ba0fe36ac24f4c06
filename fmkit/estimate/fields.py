"""Read what the estimator needs from deployment configs, tolerant of how each provider names it.

Provider models evolve independently (autoscaling min/max, schedules, model sizes); reading by a
short list of accepted names keeps the estimator working as they grow, and every default is stated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from fmkit.catalog.jumpstart import get_jumpstart_model
from fmkit.catalog.store import load_catalog
from fmkit.estimate.model import DAYS_PER_MONTH, Range


def attr(obj: Any, *names: str, default: Any = None) -> Any:
    """First non-None attribute (or mapping key) of `obj` among `names`."""
    if obj is None:
        return default
    for name in names:
        value = obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)
        if value is not None:
            return value
    return default


def autoscaling(dep: Any) -> Any:
    return attr(dep, "autoscaling", "scaling")


def capacity_bounds(dep: Any) -> tuple[int, int]:
    """(min, max) instances; a deployment without autoscaling runs its fixed count (default 1)."""
    fixed = int(attr(dep, "instance_count", "initial_instance_count", "desired_capacity", default=1))
    scaling = autoscaling(dep)
    if scaling is None or attr(scaling, "enabled", default=True) is False:
        return fixed, fixed
    low = int(attr(scaling, "min_instances", "min_capacity", "min_instance_count", "min_size", "min",
                   default=fixed))
    high = int(attr(scaling, "max_instances", "max_capacity", "max_instance_count", "max_size", "max",
                    default=max(low, fixed)))
    return low, max(low, high)


DAYS = {"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}
Profile = tuple[tuple[int, int, float], ...]  # (min, max, share of the week)


def _cron_values(field: str, names: Mapping[str, int], top: int) -> set[int]:
    """Values of one cron field: *, n, a-b, a,b (names such as MON-FRI allowed), */step."""
    out: set[int] = set()
    for part in field.upper().split(","):
        step = 1
        if "/" in part:
            part, step_text = part.split("/", 1)
            step = int(step_text)
        if part in ("*", "?"):
            lo, hi = 0, top
        elif "-" in part:
            a, b = part.split("-", 1)
            lo, hi = int(names.get(a, a)), int(names.get(b, b))
        else:
            lo = hi = int(names.get(part, part))
        out.update(v % (top + 1) for v in range(lo, hi + 1, step))
    return out


def _fires(cron: str) -> set[int]:
    """Hours of the week (0 = Sunday 00:00) at which a cron fires (day-of-month/month fields ignored).

    Five fields (ASG, Unix): day-of-week 0-6 from Sunday. Six fields (Application Auto Scaling,
    EventBridge, with a year): 1-7 from Sunday.
    """
    fields = cron.split()
    hours = _cron_values(fields[1], {}, 23)
    if len(fields) >= 6:
        names = {k: v + 1 for k, v in DAYS.items()}
        days = {(d - 1) % 7 for d in _cron_values(fields[4], names, 7)} if fields[4] not in ("*", "?") else set(
            range(7))
    else:
        days = _cron_values(fields[4], DAYS, 6)
    return {d * 24 + h for d in days for h in hours}


def running_warm_pool(dep: Any) -> int:
    """Instances an ASG warm pool keeps *running* (billed like in-service ones; stopped ones pay EBS only)."""
    pool = attr(autoscaling(dep), "warm_pool")
    return int(attr(pool, "min_size", default=0)) if attr(pool, "state") == "running" else 0


def capacity_profile(dep: Any) -> Profile:
    """Weekly (min, max, share) segments: autoscaling bounds changed by scheduled actions (cron)."""
    base_min, base_max = capacity_bounds(dep)
    schedules = attr(autoscaling(dep), "schedules", "schedule", "scheduled_actions") or attr(dep, "schedules") or []
    if not isinstance(schedules, list | tuple):
        schedules = []
    events: dict[int, list[Any]] = {}
    for schedule in schedules:
        cron = attr(schedule, "cron", "schedule")
        if isinstance(cron, str) and len(cron.split()) >= 5:
            for hour in _fires(cron):
                events.setdefault(hour, []).append(schedule)
    if not events:
        return ((base_min, base_max, 1.0),)
    lo, hi = base_min, base_max
    shares: dict[tuple[int, int], int] = {}
    for tick in range(2 * 168):  # the first week settles the state the second week starts from
        for schedule in events.get(tick % 168, []):
            lo = int(attr(schedule, "min", "min_capacity", default=lo))
            hi = int(attr(schedule, "max", "max_capacity", default=hi))
            hi = max(lo, hi)
        if tick >= 168:
            shares[(lo, hi)] = shares.get((lo, hi), 0) + 1
    return tuple((lo, hi, count / 168.0) for (lo, hi), count in sorted(shares.items()))


GIB = 1.073741824  # GB per GiB
QUANT_ALIASES = {"f16": "fp16", "bf16": "bf16", "f32": "fp32"}


def normalise_quantization(quant: str) -> str:
    q = quant.lower().replace("-", "_")
    return QUANT_ALIASES.get(q, q)


def bytes_per_param(quant: str | None) -> float | None:
    if quant is None:
        return None
    table = load_catalog("throughput.json")["bytes_per_param"]
    value = table.get(normalise_quantization(quant))
    return float(value) if value is not None else None


def quantization(dep: Any) -> str | None:
    """The deployment's quantization when the throughput catalog knows it (else the catalog default)."""
    value = attr(dep, "quantization") or attr(attr(dep, "model"), "quantization")
    if value is None or bytes_per_param(str(value)) is None:
        return None
    return normalise_quantization(str(value))


def params_billion(dep: Any) -> float | None:
    """Model size: an explicit field, a GGUF's size / bytes per parameter, or the JumpStart catalog."""
    model = attr(dep, "model")
    explicit = attr(dep, "params_billion", "model_params_billion") or attr(model, "params_billion")
    if explicit is not None:
        return float(explicit)
    size_gib = attr(model, "size_gib")
    if size_gib is not None:
        bpp = bytes_per_param(attr(model, "quantization")) or bytes_per_param("q4_0") or 0.5625
        return float(size_gib) * GIB / bpp
    model_id = attr(dep, "model_id", "jumpstart_model_id")
    if model_id is None and isinstance(model, str):
        model_id = model
    if model_id is None:
        model_id = attr(model, "model_id", "jumpstart_model_id")
    if model_id is None:
        model_id = attr(attr(attr(dep, "source"), "jumpstart"), "model_id")
    if isinstance(model_id, str):
        spec = get_jumpstart_model(model_id)
        if spec is not None:
            return spec.params_billion
    return None


def monthly_requests(dep: Any) -> Range | None:
    traffic = attr(dep, "expected_traffic")
    if traffic is None:
        return None
    return Range.spread(float(traffic.requests_per_day) * DAYS_PER_MONTH, float(traffic.variability))


def monthly_tokens(dep: Any) -> tuple[Range, Range] | None:
    """(input tokens, output tokens) per month, or None without `expected_traffic`."""
    requests = monthly_requests(dep)
    if requests is None:
        return None
    traffic = dep.expected_traffic
    return requests.scale(traffic.mean_input_tokens), requests.scale(traffic.mean_output_tokens)


def output_tokens_per_second(dep: Any) -> Range | None:
    tokens = monthly_tokens(dep)
    if tokens is None:
        return None
    return tokens[1].scale(1.0 / (DAYS_PER_MONTH * 86400.0))


def ceil_div(a: float, b: float) -> int:
    return math.ceil(a / b) if b > 0 else 0
