"""Model cards: what decides the choice of a foundation model, one card per model, each fact sourced.

License and whether it allows commercial use, size, context window, modalities, languages, how
AWS lets you customize it, published latency — independent of how it is served. `providers`
links a card to the provider catalogs (a Bedrock model id, a JumpStart model id) and to GGUF
files a Graviton instance serves with llama.cpp, so one id answers "where can I run it".
Shipped in `data/model_cards.json`; a project adds cards in `model_configs/catalog/<id>.yaml`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from fmkit.catalog import overlay
from fmkit.catalog.bedrock import get_model
from fmkit.catalog.jumpstart import get_jumpstart_model
from fmkit.catalog.store import load_catalog

CATALOG_FILE = "model_cards.json"
CARD_ID_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{0,79}$")

CommercialUse = Literal["allowed", "restricted", "not_allowed"]
CustomizationKind = Literal["bedrock-fine-tuning", "bedrock-continued-pretraining", "bedrock-distillation-student",
                            "bedrock-distillation-teacher", "jumpstart-fine-tuning", "lora-open-weights"]
"""bedrock-distillation-student: a model Bedrock distills into; -teacher: one it distills from."""
Provider = Literal["bedrock", "sagemaker", "ec2-graviton"]
PROVIDERS: tuple[Provider, ...] = ("bedrock", "sagemaker", "ec2-graviton")
FACTORS = ("license", "params", "context_window", "modalities", "languages")
"""Facts every card states with a source (the value may be null where the vendor does not publish it)."""


class _Card(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Customization(_Card):
    """One way AWS (or open weights) lets you adapt the model, and where."""

    kind: CustomizationKind
    regions: tuple[str, ...] | None = Field(default=None, description="Regions offering it; null = any/unlisted.")
    source: str


class LatencyFigure(_Card):
    """A published speed for one way of serving the model (never an estimate)."""

    serving: str = Field(description="e.g. bedrock-on-demand, bedrock-latency-optimized.")
    output_tokens_per_s: float | None = None
    ttft_s: float | None = None
    source: str
    note: str | None = None


class GgufFile(_Card):
    file: str
    size_bytes: int | None = None
    size_gb_published: float | None = None
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class GgufSource(_Card):
    """GGUF files of the model on the Hugging Face Hub, per quantization (Q4_0, Q4_K_M, Q8_0…)."""

    repo: str
    files: Mapping[str, GgufFile] = Field(default_factory=dict)
    source: str | None = None


class Modalities(_Card):
    input: tuple[str, ...]
    output: tuple[str, ...]


class ProviderLinks(_Card):
    bedrock: str | None = Field(default=None, description="Bedrock model id.")
    sagemaker: str | None = Field(default=None, description="JumpStart model id.")
    ec2_graviton: GgufSource | None = Field(default=None, alias="ec2-graviton", description="GGUF files.")

    def available(self) -> tuple[Provider, ...]:
        found: list[Provider] = []
        if self.bedrock:
            found.append("bedrock")
        if self.sagemaker:
            found.append("sagemaker")
        if self.ec2_graviton:
            found.append("ec2-graviton")
        return tuple(found)


class ModelCard(_Card):
    """Everything that decides whether a model fits a use, with where each fact comes from."""

    id: str = Field(pattern=CARD_ID_RE.pattern)
    name: str
    vendor: str
    task: Literal["chat", "embedding"]
    license: str | None = Field(description="SPDX id or the vendor's license name.")
    license_url: str | None
    commercial_use: CommercialUse | None = Field(description="allowed | restricted | not_allowed; null = unknown.")
    commercial_condition: str | None = Field(default=None, description="What a restricted license requires.")
    license_quote: str | None = Field(default=None, description="The license sentence that decides commercial use.")
    params_billion: float | None = Field(description="Parameters in billions; null where undisclosed.")
    context_window: int | None = Field(description="Tokens the model accepts (its own; a server may serve less).")
    modalities: Modalities | None
    languages: tuple[str, ...] | None = None
    customization: tuple[Customization, ...] = ()
    latency: tuple[LatencyFigure, ...] = ()
    providers: ProviderLinks = Field(default_factory=ProviderLinks)
    sources: Mapping[str, str | None] = Field(description="Source URL of each fact: license, params, context_window…")
    retrieved: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    notes: str | None = None


_CARDS = TypeAdapter(dict[str, ModelCard])


@cache
def all_cards() -> dict[str, ModelCard]:
    """Shipped cards, then the project's (a project card replaces a shipped one with the same id)."""
    rows = {key: {"id": key, **row} for key, row in load_catalog(CATALOG_FILE)["models"].items()}
    rows.update({key: {"id": key, **row} for key, row in overlay.current().cards.items()})
    return dict(sorted(_CARDS.validate_python(rows).items()))


overlay.on_change(all_cards.cache_clear)


def catalog_date() -> str:
    return str(load_catalog(CATALOG_FILE)["retrieved"])


def get_card(card_id: str) -> ModelCard | None:
    return all_cards().get(card_id)


@cache
def _index() -> dict[tuple[str, str], str]:
    """(provider, provider id) -> card id; GGUF files are indexed as repo (lowercase) and repo/file."""
    index: dict[tuple[str, str], str] = {}
    for card in all_cards().values():
        links = card.providers
        if links.bedrock:
            index[("bedrock", links.bedrock)] = card.id
        if links.sagemaker:
            index[("sagemaker", links.sagemaker)] = card.id
            row = get_jumpstart_model(links.sagemaker)
            if row is not None and row.hf_model:  # the Hub id of the same weights, for container deployments
                index[("huggingface", row.hf_model.lower())] = card.id
        if links.ec2_graviton:
            repo = links.ec2_graviton.repo.lower()
            index[("gguf-repo", repo)] = card.id
            for entry in links.ec2_graviton.files.values():
                index[("gguf-file", f"{repo}/{entry.file.lower()}")] = card.id
    return index


overlay.on_change(_index.cache_clear)  # after all_cards' own: the index reads the cards


def card_for_bedrock(model_id: str) -> ModelCard | None:
    """The card of a Bedrock model id (a geo/global profile id resolves to its model first)."""
    model = get_model(model_id)
    card_id = _index().get(("bedrock", model.model_id if model is not None else model_id))
    return get_card(card_id) if card_id else None


def card_for_jumpstart(model_id: str) -> ModelCard | None:
    card_id = _index().get(("sagemaker", model_id))
    return get_card(card_id) if card_id else None


def card_for_hf_model(hf_model_id: str) -> ModelCard | None:
    """The card of a Hugging Face Hub model id (as a container deployment names it)."""
    card_id = _index().get(("huggingface", hf_model_id.lower()))
    return get_card(card_id) if card_id else None


def card_for_open_weights(hf_model_id: str) -> ModelCard | None:
    """The card of a Hub model id: linked through JumpStart, or the card named like the repository
    whose license page is that repository's (so a re-upload under another owner is not matched)."""
    linked = card_for_hf_model(hf_model_id)
    if linked is not None:
        return linked
    card = get_card(hf_model_id.rsplit("/", 1)[-1].lower())
    url = (card.license_url or "").lower() if card is not None else ""
    repository = f"huggingface.co/{hf_model_id.lower()}"
    return card if f"{repository}/" in url or url.rstrip("/").endswith(repository) else None


def card_for_gguf(repo: str, file: str | None = None) -> ModelCard | None:
    """The card of a Hub GGUF repository (and file): exact file first, then the repository."""
    index = _index()
    if file is not None:
        card_id = index.get(("gguf-file", f"{repo.lower()}/{file.lower()}"))
        if card_id:
            return get_card(card_id)
    card_id = index.get(("gguf-repo", repo.lower()))
    return get_card(card_id) if card_id else None


def cards_for_id(model_id: str) -> list[tuple[ModelCard, Provider]]:
    """Every (card, provider) an id names: a card id (one per provider offering it) or a provider's own id."""
    card = get_card(model_id)
    if card is not None:
        return [(card, provider) for provider in card.providers.available()]
    found: list[tuple[ModelCard, Provider]] = []
    by_bedrock = card_for_bedrock(model_id)
    if by_bedrock is not None:
        found.append((by_bedrock, "bedrock"))
    by_jumpstart = card_for_jumpstart(model_id)
    if by_jumpstart is not None:
        found.append((by_jumpstart, "sagemaker"))
    return found
