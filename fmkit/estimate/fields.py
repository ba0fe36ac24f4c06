"""Read what the estimator needs from a deployment's typed config: bounds, schedules, model size, load.

Capacity comes from each provider's own `capacity_bounds()` / `capacity_schedule()` (its models
define min/max once); every default the estimator adds is stated here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from fmkit.catalog.cards import card_for_open_weights
from fmkit.catalog.jumpstart import get_jumpstart_model
from fmkit.catalog.throughput import bytes_per_param_table
from fmkit.config.deployment_base import CapacityChange, DeploymentBase
from fmkit.config.deployments import BedrockDeployment, Deployment, GravitonDeployment
from fmkit.estimate.model import DAYS_PER_MONTH, Range

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
    """Hours of the week (0 = Sunday 00:00) at which a five-field cron fires (day-of-month/month ignored).

    Every provider's `schedules` use the Unix form (day-of-week 0-6 from Sunday, 7 = Sunday too);
    the kit converts it to Application Auto Scaling's six fields only when it builds the stack.
    """
    fields = cron.split()
    hours = _cron_values(fields[1], {}, 23)
    days = {d % 7 for d in _cron_values(fields[4], DAYS, 7)}
    return {d * 24 + h for d in days for h in hours}


def running_warm_pool(dep: Deployment) -> int:
    """Instances an ASG warm pool keeps *running* (billed like in-service ones; stopped ones pay EBS only)."""
    pool = dep.autoscaling.warm_pool if isinstance(dep, GravitonDeployment) else None
    return pool.min_size if pool is not None and pool.state == "running" else 0


def _schedule_events(changes: tuple[CapacityChange, ...]) -> dict[int, list[CapacityChange]]:
    """Hour of the week → the changes that fire then (crons with fewer than five fields are ignored)."""
    events: dict[int, list[CapacityChange]] = {}
    for change in changes:
        if len(change.cron.split()) >= 5:
            for hour in _fires(change.cron):
                events.setdefault(hour, []).append(change)
    return events


def capacity_profile(dep: DeploymentBase) -> Profile:
    """Weekly (min, max, share) segments: autoscaling bounds changed by scheduled actions (cron)."""
    base_min, base_max = dep.capacity_bounds()
    events = _schedule_events(dep.capacity_schedule())
    if not events:
        return ((base_min, base_max, 1.0),)
    lo, hi = base_min, base_max
    shares: dict[tuple[int, int], int] = {}
    for tick in range(2 * 168):  # the first week settles the state the second week starts from
        for change in events.get(tick % 168, []):
            lo = lo if change.min is None else change.min
            hi = max(lo, hi if change.max is None else change.max)
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
    return bytes_per_param_table().get(normalise_quantization(quant))


def known_quantization(value: str | None) -> str | None:
    """`value` normalised when the throughput catalog knows it (else None: the catalog default applies)."""
    if value is None or bytes_per_param(value) is None:
        return None
    return normalise_quantization(value)


def quantization(dep: Deployment) -> str | None:
    """The deployment's quantization when the throughput catalog knows it (GGUF models record one)."""
    return known_quantization(dep.model.quantization) if isinstance(dep, GravitonDeployment) else None


def params_billion(dep: Deployment) -> float | None:
    """Model size: a GGUF's size / bytes per parameter, the JumpStart catalog's figure, or for a Hub
    container the model card of that Hub id (the throughput model needs it to size instances)."""
    if isinstance(dep, GravitonDeployment):
        bpp = bytes_per_param(dep.model.quantization) or bytes_per_param("q4_0") or 0.5625
        return dep.model.size_gib * GIB / bpp
    if isinstance(dep, BedrockDeployment):
        model_id: str | None = dep.model_id
    else:
        container = dep.source.container
        if container is not None and container.hf_model_id:
            card = card_for_open_weights(container.hf_model_id)
            return card.params_billion if card is not None else None
        model_id = dep.source.jumpstart.model_id if dep.source.jumpstart is not None else None
    spec = get_jumpstart_model(model_id) if model_id is not None else None
    return spec.params_billion if spec is not None else None


def monthly_requests(dep: DeploymentBase) -> Range | None:
    traffic = dep.expected_traffic
    if traffic is None:
        return None
    return Range.spread(float(traffic.requests_per_day) * DAYS_PER_MONTH, float(traffic.variability))


def monthly_tokens(dep: DeploymentBase) -> tuple[Range, Range] | None:
    """(input tokens, output tokens) per month, or None without `expected_traffic`."""
    traffic = dep.expected_traffic
    requests = monthly_requests(dep)
    if traffic is None or requests is None:
        return None
    return requests.scale(traffic.mean_input_tokens), requests.scale(traffic.mean_output_tokens)


def output_tokens_per_second(dep: DeploymentBase) -> Range | None:
    tokens = monthly_tokens(dep)
    if tokens is None:
        return None
    return tokens[1].scale(1.0 / (DAYS_PER_MONTH * 86400.0))


def ceil_div(a: float, b: float) -> int:
    return math.ceil(a / b) if b > 0 else 0
