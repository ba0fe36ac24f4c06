"""Which Bedrock base models can be customized, how, where, within which ranges, and what it costs.

`fmkit validate` checks a `customizations:` entry of `kind: bedrock` against these facts offline
(the method offered for the base model in the environment's region, each hyperparameter within
its documented range, the model not past its end of life); `fmkit customize check-data` checks
training data against the data format and limits; `fmkit plan` prices a run where a price is
known. Data: `data/bedrock_customization.json`, every fact with the key of the page it was read
on (`sources`), and `verified: false` on what only an older version of the documentation says.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any, Literal

from pydantic import Field, TypeAdapter, field_validator

from fmkit.catalog.store import CatalogRecord, keyed, load_catalog

CATALOG_FILE = "bedrock_customization.json"

Method = Literal["fine-tuning", "continued-pretraining", "distillation"]
METHODS: tuple[Method, ...] = ("fine-tuning", "continued-pretraining", "distillation")
DataFormat = Literal["bedrock-conversation-2024", "prompt-completion", "anthropic-messages", "input"]
DATA_FORMATS: tuple[DataFormat, ...] = ("bedrock-conversation-2024", "prompt-completion", "anthropic-messages",
                                        "input")
# What Bedrock calls each method (CreateModelCustomizationJob's customizationType).
CUSTOMIZATION_TYPES: Mapping[Method, Literal["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"]] = {
    "fine-tuning": "FINE_TUNING", "continued-pretraining": "CONTINUED_PRE_TRAINING", "distillation": "DISTILLATION",
}


class HyperparameterRange(CatalogRecord):
    """One documented hyperparameter: its type, default and inclusive range."""

    name: str
    type: Literal["integer", "float"]
    default: float
    min: float
    max: float
    source: str
    api_name_verified: bool = True  # False: AWS documents only a console label (Nova 2 Lite)
    conflict: str | None = None  # two AWS pages disagree on this value
    note: str | None = None

    def allows(self, value: float) -> bool:
        if self.type == "integer" and float(value) != int(value):
            return False
        return self.min <= value <= self.max


class DataLimits(CatalogRecord):
    """Dataset limits of one method (None: not documented in the pages read)."""

    min_records: int | None = None
    max_records: int | None = None  # training records (training + validation where `records_count` says so)
    max_validation_records: int | None = None
    max_tokens_per_record: int | None = None
    max_input_tokens: int | None = None
    max_output_tokens: int | None = None
    train_file_max_bytes: int | None = None
    validation_file_max_bytes: int | None = None
    records_count: str = "training"
    validation: str = "optional"
    conflict: str | None = None
    note: str | None = None
    source: str | tuple[str, ...] | None = None


class CustomizationMethod(CatalogRecord):
    method: Method
    regions: frozenset[str]
    customization_model_id: str  # the variant passed as baseModelIdentifier (e.g. ':128k')
    data_format: DataFormat
    hyperparameters: Mapping[str, HyperparameterRange] = Field(default_factory=dict)
    limits: DataLimits = Field(default_factory=DataLimits)
    teachers: tuple[str, ...] = ()  # distillation: the models it distills from
    single_turn_only: bool = False  # distillation of Anthropic/Meta students
    verified: bool = True
    note: str | None = None
    hyperparameters_note: str | None = None
    source: tuple[str, ...] = ()

    @field_validator("hyperparameters", mode="before")
    @classmethod
    def _named(cls, value: Any) -> Any:
        return keyed(value, "name") if isinstance(value, Mapping) else value


class CustomServing(CatalogRecord):
    """How a custom model of this base can be invoked: on demand (a custom model deployment) or PT."""

    on_demand_regions: frozenset[str] = frozenset()
    provisioned_regions: frozenset[str] = frozenset()
    on_demand_requires_customized_on_or_after: str | None = None
    source: tuple[str, ...] = ()


class CustomizationPricing(CatalogRecord):
    """List prices where an AWS-authored source gives them; None: unknown (never guessed)."""

    training_per_1k_tokens_usd: float | None = None  # × tokens × epochs
    storage_per_model_month_usd: float | None = None
    provisioned_per_model_unit_hour_usd: float | None = None
    region: str | None = None
    source: str | None = None
    note: str | None = None


class CustomizableModel(CatalogRecord):
    model_id: str
    name: str
    lifecycle: str
    end_of_life: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    methods: Mapping[Method, CustomizationMethod] = Field(default_factory=dict)
    serving: CustomServing = Field(default_factory=CustomServing)
    pricing: CustomizationPricing = Field(default_factory=CustomizationPricing)

    @field_validator("methods", mode="before")
    @classmethod
    def _named(cls, value: Any) -> Any:
        return keyed(value, "method") if isinstance(value, Mapping) else value


_MODELS = TypeAdapter(dict[str, CustomizableModel])


@cache
def all_customizable() -> dict[str, CustomizableModel]:
    return dict(sorted(_MODELS.validate_python(keyed(load_catalog(CATALOG_FILE)["models"], "model_id")).items()))


def get_customizable(model_id: str) -> CustomizableModel | None:
    return all_customizable().get(model_id)


def method_of(model_id: str, method: Method) -> CustomizationMethod | None:
    model = get_customizable(model_id)
    return None if model is None else model.methods.get(method)


def source_url(key: str) -> str:
    """The page a fact was read on (its `source` key), or the key itself when it names no page."""
    return str(load_catalog(CATALOG_FILE)["sources"].get(key, key))


def catalog_retrieved() -> str:
    return str(load_catalog(CATALOG_FILE)["retrieved"])


def catalog_source() -> str:
    return str(load_catalog(CATALOG_FILE)["source"])
