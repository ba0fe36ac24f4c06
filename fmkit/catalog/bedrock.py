"""Amazon Bedrock foundation models and system (cross-Region) inference profiles, offline.

Validation and planning must work without AWS credentials, so model ids, regional availability and
list prices come from ``data/bedrock_models.json`` (refresh: ``scripts/refresh_bedrock_catalog.py``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from pydantic import Field, TypeAdapter, field_validator

from fmkit.catalog import overlay
from fmkit.catalog.regions import all_regions
from fmkit.catalog.store import CatalogRecord, keyed, load_catalog
from fmkit.catalog.unknown import BEDROCK_ID_RE, UnknownModel, unknown_model

CATALOG_FILE = "bedrock_models.json"
ALL_COMMERCIAL = "all-commercial"

ModelKind = Literal["text", "embedding"]


class InferenceProfile(CatalogRecord):
    """A system-defined cross-Region inference profile for one geography (us, eu, apac, jp, au, global)."""

    geo: str
    profile_id: str
    source_regions: frozenset[str]
    destination_regions: frozenset[str]
    # Some profiles route differently depending on where they are called from (AWS documents this).
    destinations_by_source: Mapping[str, frozenset[str]] = Field(default_factory=dict)
    price_multiplier: float = 1.0

    @field_validator("destination_regions", mode="before")
    @classmethod
    def _all_commercial(cls, value: Any) -> Any:
        """`all-commercial` in the file: every catalogued region (global profiles)."""
        return frozenset(all_regions()) if value == ALL_COMMERCIAL else value

    def destinations_for(self, source_region: str) -> frozenset[str]:
        return self.destinations_by_source.get(source_region, self.destination_regions)


@dataclass(frozen=True)
class SystemProfile:
    """What a caller in ``source_region`` invokes: the profile id and where requests may be served."""

    model_id: str
    geo: str
    profile_id: str
    source_region: str
    destination_regions: frozenset[str]
    price_multiplier: float = 1.0


class BedrockModel(CatalogRecord):
    model_id: str
    provider: str
    name: str
    kind: ModelKind
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    context_window: int
    embedding_dimensions: tuple[int, ...] = ()
    on_demand_regions: frozenset[str]
    inference_profiles: Mapping[str, InferenceProfile] = Field(default_factory=dict)
    price_per_1k_input_tokens_usd: float
    price_per_1k_output_tokens_usd: float
    requires_agreement: bool = False
    size_class: str = "medium"
    source: str
    lifecycle: str = "active"
    end_of_life: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")  # after it Bedrock refuses calls
    params_billion: float | None = None
    default_embedding_dimensions: int | None = None
    region_price_multipliers: Mapping[str, float] = Field(default_factory=dict)
    agreement_note: str | None = None
    price_note: str | None = None

    @field_validator("inference_profiles", mode="before")
    @classmethod
    def _geo_from_key(cls, value: Any) -> Any:
        """Profiles are keyed by geography in the file; each profile also carries it."""
        return keyed(value, "geo") if isinstance(value, Mapping) else value

    @property
    def profile_only(self) -> bool:
        """True when the plain model id cannot be invoked on-demand anywhere (needs an inference profile)."""
        return not self.on_demand_regions

    def price_multiplier(self, region: str) -> float:
        return self.region_price_multipliers.get(region, 1.0)


_MODELS = TypeAdapter(dict[str, BedrockModel])


@cache
def all_models() -> dict[str, BedrockModel]:
    data = load_catalog(CATALOG_FILE)
    rows = {mid: {"source": data["source"], **raw} for mid, raw in data["models"].items()}  # file source as default
    rows.update({mid: dict(raw) for mid, raw in overlay.current().bedrock.items()})  # the project's own entries
    return dict(sorted(_MODELS.validate_python(rows).items()))


def get_model(model_id: str) -> BedrockModel | None:
    """Look a model up by its base id; a geo/global profile id (``us.anthropic…``) resolves to its model."""
    models = all_models()
    if model_id in models:
        return models[model_id]
    return _profile_index().get(model_id, (None, ""))[0]


@cache
def _profile_index() -> dict[str, tuple[BedrockModel, str]]:
    return {p.profile_id: (m, geo) for m in all_models().values() for geo, p in m.inference_profiles.items()}


overlay.on_change(all_models.cache_clear)
overlay.on_change(_profile_index.cache_clear)


def suggest_model_ids(bad_id: str, n: int = 3) -> list[str]:
    """Closest known model or profile ids, for "did you mean" hints in validation errors."""
    candidates = list(all_models()) + list(_profile_index())
    return difflib.get_close_matches(bad_id, candidates, n=n, cutoff=0.5)


def regions_for(model: BedrockModel | str) -> set[str]:
    """Every region from which the model can be called: on-demand ∪ any profile's source regions."""
    m = get_model(model) if isinstance(model, str) else model
    if m is None:
        return set()
    regions = set(m.on_demand_regions)
    for p in m.inference_profiles.values():
        regions |= p.source_regions
    return regions


def system_profile(model_id: str, geo: str, region: str) -> SystemProfile | None:
    """The ``geo`` system profile of a model callable from ``region``; None if region is not a source."""
    m = get_model(model_id)
    if m is None:
        return None
    p = m.inference_profiles.get(geo)
    if p is None or region not in p.source_regions:
        return None
    return SystemProfile(
        model_id=m.model_id,
        geo=geo,
        profile_id=p.profile_id,
        source_region=region,
        destination_regions=p.destinations_for(region),
        price_multiplier=p.price_multiplier,
    )


def geo_for_region(region: str) -> str:
    """Bedrock geography prefix for a region ("us", "eu", "apac", …), from regions.json."""
    r = all_regions().get(region)
    if r is None:
        raise KeyError(f"unknown region {region!r}")
    return r.geo


def foundation_model_arn(model_id: str, region: str) -> str:
    # Foundation-model ARNs have no account id.
    return f"arn:aws:bedrock:{region}::foundation-model/{model_id}"


def inference_profile_arn(profile_id: str, region: str, account: str) -> str:
    return f"arn:aws:bedrock:{region}:{account}:inference-profile/{profile_id}"


def catalog_retrieved() -> str:
    return str(load_catalog(CATALOG_FILE)["retrieved"])


def unknown_bedrock(model_id: str) -> UnknownModel:
    """Message and way forward for a Bedrock model id the catalog lacks."""
    return unknown_model("Bedrock", model_id, [*all_models(), *_profile_index()], well_formed=BEDROCK_ID_RE,
                         retrieved=catalog_retrieved(), catalog_section="bedrock_catalog",
                         refresh_script="scripts/refresh_bedrock_catalog.py")
