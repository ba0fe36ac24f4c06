"""Measured speed from `fmkit eval` reports, for the shortlist: a deployment's report replaces the
catalog's estimate for the model and provider that deployment serves."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from fmkit.catalog.cards import Provider
from fmkit.config.environment import EnvironmentConfig
from fmkit.selection.identify import identify
from fmkit.selection.shortlist import Latency

DEFAULT_REPORT = Path("eval-out") / "{env}" / "report.json"  # where `fmkit eval ENV` writes by default


def default_reports(environments: Iterable[EnvironmentConfig]) -> list[tuple[EnvironmentConfig, Path]]:
    return [(env, Path(str(DEFAULT_REPORT).format(env=env.name))) for env in environments
            if Path(str(DEFAULT_REPORT).format(env=env.name)).is_file()]


def measured_latency(reports: Iterable[tuple[EnvironmentConfig, Path]]) -> dict[tuple[str, Provider], Latency]:
    """(card id, provider) → measured decode speed and time to first token (median), per report."""
    found: dict[tuple[str, Provider], Latency] = {}
    for env, path in reports:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            models = data["models"]
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not a report: the shortlist keeps the catalog's figures
        # report.json v2 keys models by deployment name (v1 had a list of entries with "model").
        entries = list(models.values()) if isinstance(models, dict) else models if isinstance(models, list) else []
        for entry in entries:
            if not isinstance(entry, dict):
                continue
            deployment = env.models.get(str(entry.get("model")))
            known = identify(deployment) if deployment is not None else None
            if deployment is None or known is None or known.card is None:
                continue
            speed, ttft = entry.get("output_tokens_per_s"), entry.get("ttft_p50_s")
            if speed is None and ttft is None:
                continue
            found[(known.card.id, deployment.provider)] = Latency(
                None if speed is None else round(float(speed), 1), None if ttft is None else round(float(ttft), 3),
                f"measured: fmkit eval {env.name}/{entry.get('model')} ({path})")
    return found
