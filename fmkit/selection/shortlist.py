"""`fmkit models`: every catalog model on every provider that serves it, with the selection factors and
what it would cost and emit at the given traffic — priced by the same estimator as `fmkit plan`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from fmkit.catalog import bedrock as bedrock_catalog
from fmkit.catalog.cards import CustomizationKind, ModelCard, Provider, all_cards
from fmkit.catalog.jumpstart import get_jumpstart_model
from fmkit.catalog.regions import all_regions
from fmkit.catalog.throughput import tokens_per_second
from fmkit.config.environment import EnvironmentConfig
from fmkit.estimate.plan import estimate_deployment
from fmkit.selection.proposals import NotProposable, Proposal, propose
from fmkit.selection.traffic import Traffic

SortKey = Literal["usd", "co2", "context", "params", "latency"]


@dataclass(frozen=True)
class Latency:
    output_tokens_per_s: float | None
    ttft_s: float | None
    basis: str  # "published: URL" | "estimated: …" | "measured: fmkit eval …"


@dataclass(frozen=True)
class Row:
    card: ModelCard
    provider: Provider
    provider_model_id: str
    regions: tuple[str, ...]
    usd_month: float | None
    kg_co2e_month: float | None
    latency: Latency | None
    hardware: str | None
    note: str | None = None

    def as_json(self) -> dict[str, Any]:
        card = self.card
        return {
            "id": card.id, "name": card.name, "vendor": card.vendor, "task": card.task, "provider": self.provider,
            "provider_model_id": self.provider_model_id, "license": card.license, "license_url": card.license_url,
            "commercial_use": card.commercial_use, "commercial_condition": card.commercial_condition,
            "params_billion": card.params_billion, "context_window": card.context_window,
            "modalities": card.modalities.model_dump(mode="json") if card.modalities else None,
            "languages": list(card.languages) if card.languages is not None else None,
            "customization": [c.model_dump(mode="json") for c in card.customization],
            "regions": list(self.regions), "hardware": self.hardware,
            "usd_month": None if self.usd_month is None else round(self.usd_month, 2),
            "kg_co2e_month": None if self.kg_co2e_month is None else round(self.kg_co2e_month, 3),
            "latency": None if self.latency is None else {
                "output_tokens_per_s": self.latency.output_tokens_per_s, "ttft_s": self.latency.ttft_s,
                "basis": self.latency.basis},
            "note": self.note,
        }


@dataclass(frozen=True)
class Filters:
    region: str | None = None
    task: Literal["chat", "embedding"] | None = None
    provider: Provider | None = None
    commercial: bool = False
    min_context: int | None = None
    max_params: float | None = None
    customization: CustomizationKind | None = None
    max_usd_month: float | None = None

    def card_matches(self, card: ModelCard) -> bool:
        checks = (
            self.task is None or card.task == self.task,
            not self.commercial or card.commercial_use in ("allowed", "restricted"),
            self.min_context is None or (card.context_window or 0) >= self.min_context,
            self.max_params is None or (card.params_billion is not None and card.params_billion <= self.max_params),
            self.customization is None or any(
                c.kind == self.customization and (self.region is None or c.regions is None or self.region in c.regions)
                for c in card.customization),
        )
        return all(checks)

    def row_matches(self, row: Row) -> bool:
        return ((self.region is None or self.region in row.regions)
                and (self.max_usd_month is None or (row.usd_month is not None and row.usd_month <= self.max_usd_month)))


@dataclass
class Shortlist:
    rows: list[Row]
    traffic: Traffic
    estimate_region: str
    skipped: list[str] = field(default_factory=list)


MeasuredLatency = Mapping[tuple[str, Provider], Latency]  # (card id, provider) -> measured by fmkit eval


def shortlist(filters: Filters, traffic: Traffic, *, sort: SortKey = "usd",
              measured: MeasuredLatency | None = None) -> Shortlist:
    """Rows for every (card, provider) passing `filters`, priced in the filter's region (else us-east-1)."""
    region = filters.region or "us-east-1"
    rows: list[Row] = []
    for card in all_cards().values():
        if not filters.card_matches(card):
            continue
        for provider in card.providers.available():
            if filters.provider is not None and provider != filters.provider:
                continue
            row = _row(card, provider, region, traffic, measured or {})
            if row is not None and filters.row_matches(row):
                rows.append(row)
    rows.sort(key=SORTS[sort])
    return Shortlist(rows, traffic, region)


def _row(card: ModelCard, provider: Provider, region: str, traffic: Traffic,
         measured: MeasuredLatency) -> Row | None:
    provider_id, regions = _availability(card, provider)
    if provider_id is None:  # linked, but the provider catalog has no row: no regions or prices to show
        linked = card.providers.bedrock if provider == "bedrock" else card.providers.sagemaker
        section = "bedrock_catalog" if provider == "bedrock" else "jumpstart_catalog"
        return Row(card, provider, linked or "", (), None, None, None, None,
                   f"not in fmkit's {provider} catalog: add a {section} entry in model_configs/catalog/{card.id}.yaml")
    usd = kg = None
    hardware = note = None
    estimate_region = region if region in regions else (regions[0] if regions else region)
    try:
        proposal = propose(card, provider, [estimate_region], traffic, accept_eula=True)
        estimate = estimate_deployment(card.id, proposal.deployment, _scratch_env(estimate_region))
        usd, kg = estimate.footprint.usd.expected, estimate.footprint.kg_co2e.expected
        hardware = estimate.instance_type or "managed"
        if estimate_region != region:
            note = f"priced in {estimate_region} (not offered in {region})"
    except NotProposable as exc:
        note = str(exc)
        proposal = None
    latency = measured.get((card.id, provider)) or _latency(card, provider, proposal)
    return Row(card, provider, provider_id, regions, usd, kg, latency, hardware, note)


def _availability(card: ModelCard, provider: Provider) -> tuple[str | None, tuple[str, ...]]:
    """The provider's id for the card and every region it can be called or deployed from."""
    links = card.providers
    if provider == "bedrock" and links.bedrock:
        model = bedrock_catalog.get_model(links.bedrock)
        return (model.model_id, tuple(sorted(bedrock_catalog.regions_for(model)))) if model else (None, ())
    if provider == "sagemaker" and links.sagemaker:
        row = get_jumpstart_model(links.sagemaker)
        return (row.model_id, tuple(sorted(row.regions))) if row else (None, ())
    if provider == "ec2-graviton" and links.ec2_graviton:
        return links.ec2_graviton.repo, _graviton_regions(card.id)
    return None, ()


@cache
def _graviton_regions(card_id: str) -> tuple[str, ...]:
    from fmkit.catalog.cards import get_card
    from fmkit.selection.proposals import QUANT_PREFERENCE, gguf_size_gib, graviton_instance

    card = get_card(card_id)
    gguf = card.providers.ec2_graviton if card is not None else None
    if card is None or gguf is None:
        return ()
    quantization = next((q for q in QUANT_PREFERENCE if q in gguf.files), None)
    if quantization is None:
        return ()
    try:
        size, _ = gguf_size_gib(card, quantization)
    except NotProposable:
        return ()
    found = []
    for region in sorted(all_regions()):
        try:
            graviton_instance(card, quantization, size, [region])  # where one instance holds and serves it
        except NotProposable:
            continue
        found.append(region)
    return tuple(found)


def _latency(card: ModelCard, provider: Provider, proposal: Proposal | None) -> Latency | None:
    published = [f for f in card.latency if f.serving.startswith(provider) or (provider == "bedrock"
                 and f.serving.startswith("bedrock"))]
    if published:  # a figure may give only one of the two: take the first that gives each
        speed = next((f for f in published if f.output_tokens_per_s is not None), None)
        ttft = next((f for f in published if f.ttft_s is not None), None)
        source = (speed or ttft or published[0]).source
        return Latency(speed.output_tokens_per_s if speed else None, ttft.ttft_s if ttft else None,
                       f"published: {source}")
    if proposal is None or provider == "bedrock" or card.params_billion is None:
        return None
    instance = str(getattr(proposal.deployment, "instance_type", ""))
    quantization = getattr(getattr(proposal.deployment, "model", None), "quantization", None)
    estimate = tokens_per_second(instance, card.params_billion, quantization.lower() if quantization else None)
    if estimate is None:
        return None
    return Latency(round(estimate.expected, 1), None,
                   f"estimated: single-stream decode on {instance} from memory bandwidth (throughput.json)")


@cache
def _scratch_env(region: str) -> EnvironmentConfig:
    """An empty environment in `region`: the estimator prices a deployment where it would run."""
    return EnvironmentConfig.model_validate({
        "name": "shortlist", "account": "000000000000", "region": region,
        "project": {"name": "shortlist", "owner": "fmkit", "cost_center": "shortlist"}, "models": {}})


def _none_last(value: float | None, *, descending: bool = False) -> tuple[int, float]:
    if value is None:
        return (1, 0.0)
    return (0, -value if descending else value)


SORTS: dict[SortKey, Callable[[Row], Any]] = {
    "usd": lambda r: (_none_last(r.usd_month), r.card.id, r.provider),
    "co2": lambda r: (_none_last(r.kg_co2e_month), r.card.id, r.provider),
    "context": lambda r: (_none_last(r.card.context_window, descending=True), r.card.id, r.provider),
    "params": lambda r: (_none_last(r.card.params_billion), r.card.id, r.provider),
    "latency": lambda r: (_none_last(r.latency.output_tokens_per_s if r.latency else None, descending=True),
                          r.card.id, r.provider),
}
