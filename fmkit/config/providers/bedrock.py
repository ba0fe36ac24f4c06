"""`provider: bedrock` — a Bedrock foundation model reached through an application inference profile.

The deployment says which model, how requests may leave the region (`cross_region`), who
may call it (`consumers`), what a guardrail filters and whether invocations are logged.
`route()` turns model + region into the exact profile and destination regions, from the
offline catalog, so IAM policies name every ARN a call can touch and nothing else.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field, PositiveInt, ValidationInfo, WithJsonSchema, model_validator

from fmkit.catalog import bedrock as catalog
from fmkit.config.base import Name, Strict, config_error
from fmkit.config.deployment_base import DeploymentBase
from fmkit.config.platform import LOG_RETENTION_DAYS

CrossRegion = Literal["none", "geo", "global"]
Strength = Literal["none", "low", "medium", "high"]
ContentCategory = Literal["sexual", "violence", "hate", "insults", "misconduct", "prompt_attack"]
# The Bedrock API's GuardrailPiiEntityType enum (botocore service model, 2026-11).
PiiEntityName = Literal[
    "ADDRESS", "AGE", "AWS_ACCESS_KEY", "AWS_SECRET_KEY", "CA_HEALTH_NUMBER", "CA_SOCIAL_INSURANCE_NUMBER",
    "CREDIT_DEBIT_CARD_CVV", "CREDIT_DEBIT_CARD_EXPIRY", "CREDIT_DEBIT_CARD_NUMBER", "DRIVER_ID", "EMAIL",
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS", "LICENSE_PLATE", "MAC_ADDRESS", "NAME", "PASSWORD",
    "PHONE", "PIN", "SWIFT_CODE", "UK_NATIONAL_HEALTH_SERVICE_NUMBER", "UK_NATIONAL_INSURANCE_NUMBER",
    "UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER", "URL", "USERNAME", "US_BANK_ACCOUNT_NUMBER", "US_BANK_ROUTING_NUMBER",
    "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "US_PASSPORT_NUMBER", "US_SOCIAL_SECURITY_NUMBER",
    "VEHICLE_IDENTIFICATION_NUMBER",
]
PII_ENTITIES: tuple[str, ...] = get_args(PiiEntityName)


def _pii_entity(value: str) -> str:
    if value in PII_ENTITIES:
        return value
    upper = value.upper()
    close = [e for e in PII_ENTITIES if e in upper or upper in e]
    close += [e for e in difflib.get_close_matches(upper, PII_ENTITIES, n=3, cutoff=0.5) if e not in close]
    hint = ("did you mean " + " or ".join(f"'{e}'" for e in close[:3]) + "?") if close else (
        "see GuardrailPiiEntityType in the Bedrock API reference (e.g. EMAIL, PHONE, NAME)")
    raise config_error(f"'{value}' is not a Bedrock PII entity type", hint)


PiiEntity = Annotated[str, AfterValidator(_pii_entity), WithJsonSchema({"enum": list(PII_ENTITIES)})]
ConsumerService = Literal["lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "ec2.amazonaws.com"]

TOPIC_NAME_RE = re.compile(r"^[0-9a-zA-Z\-_ !?.]{1,100}$")
ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$")


def _role_arn(value: str) -> str:
    if not ROLE_ARN_RE.match(value):
        raise config_error(f"'{value}' is not an IAM role ARN",
                           "e.g. arn:aws:iam::111111111111:role/support-assistant")
    return value


RoleArn = Annotated[str, AfterValidator(_role_arn)]


class FilterStrength(Strict):
    """How strictly one content category is filtered on prompts (input) and completions (output)."""

    input: Strength = Field(default="high", description="none, low, medium or high.")
    output: Strength = Field(default="high", description="none, low, medium or high.")


class DeniedTopic(Strict):
    name: str = Field(description="1-100 characters: letters, digits, space and - _ ! ? .")
    definition: str = Field(min_length=1, max_length=200, description="What the topic covers (1-200 characters).")
    examples: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=5, description="Up to 5 example prompts (each ≤100 characters).")

    @model_validator(mode="after")
    def _name(self) -> DeniedTopic:
        if not TOPIC_NAME_RE.match(self.name):
            raise config_error(f"denied topic name '{self.name}' is not allowed by Bedrock",
                               "use 1-100 letters, digits, spaces and - _ ! ? .")
        return self


class WordFilters(Strict):
    words: list[Annotated[str, Field(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=10000, description="Exact words or phrases to block (≤100 characters each).")
    words_file: str | None = Field(
        default=None, description="A text file (relative to model_configs/) with one word or phrase per line; "
        "'#' starts a comment. Its words are added to `words`.")
    profanity: bool = Field(default=False, description="Also block AWS's managed profanity list.")

    @model_validator(mode="before")
    @classmethod
    def _read_words_file(cls, data: Any, info: ValidationInfo) -> Any:
        """Long block lists live in their own file; read it here so the resolved config holds the words."""
        if not isinstance(data, dict) or not isinstance(data.get("words_file"), str):
            return data
        root = Path((info.context or {}).get("config_dir", "."))
        path = (root / data["words_file"]).resolve()
        if not path.is_relative_to(root.resolve()):
            raise config_error(f"words_file '{data['words_file']}' is outside the config directory",
                               "keep word lists inside model_configs/, e.g. guardrails/words.txt")
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise config_error(f"cannot read words_file '{data['words_file']}': {exc.__class__.__name__}",
                               f"create {path} with one word or phrase per line") from exc
        from_file = [line.split("#", 1)[0].strip() for line in lines]
        existing = list(data.get("words") or [])
        words = existing + [w for w in from_file if w and w not in existing]
        return {**data, "words": words}


class ContextualGrounding(Strict):
    """Blocks answers not grounded in the supplied source or irrelevant to the query (RAG)."""

    grounding: float | None = Field(default=None, ge=0, lt=1, description="Threshold 0-0.99; higher is stricter.")
    relevance: float | None = Field(default=None, ge=0, lt=1, description="Threshold 0-0.99; higher is stricter.")


class GuardrailConfig(Strict):
    """An `AWS::Bedrock::Guardrail`, published as an immutable version."""

    content_filters: dict[ContentCategory, FilterStrength] = Field(
        default_factory=dict, description="Per category: input/output strength (prompt_attack: input only).")
    denied_topics: list[DeniedTopic] = Field(default_factory=list, max_length=30)
    word_filters: WordFilters = Field(default_factory=WordFilters)
    pii: dict[PiiEntity, Literal["block", "anonymize"]] = Field(
        default_factory=dict, description="PII entity type → block or anonymize (mask) it.")
    contextual_grounding: ContextualGrounding = Field(default_factory=ContextualGrounding)
    blocked_input_message: str = Field(
        default="Sorry, I can't help with that request.", min_length=1, max_length=500,
        description="Returned instead of calling the model when a prompt is blocked.")
    blocked_output_message: str = Field(
        default="Sorry, I can't provide that answer.", min_length=1, max_length=500,
        description="Returned instead of the model's answer when it is blocked.")
    enforce: bool = Field(
        default=True,
        description="The invoke policy requires this guardrail's published version on every call "
        "(IAM condition bedrock:GuardrailIdentifier): calls without it are denied.")

    @model_validator(mode="after")
    def _meaningful(self) -> GuardrailConfig:
        attack = self.content_filters.get("prompt_attack")
        if attack is not None and attack.output != "none":
            raise config_error("prompt_attack filters prompts only: its output strength must be 'none'",
                               "write prompt_attack: {input: high, output: none}")
        grounding = self.contextual_grounding
        if not (self.content_filters or self.denied_topics or self.word_filters.words
                or self.word_filters.profanity or self.pii
                or grounding.grounding is not None or grounding.relevance is not None):
            raise config_error("the guardrail has no policy, so it would filter nothing",
                               "add content_filters, denied_topics, word_filters, pii or contextual_grounding")
        return self


class S3LogDestination(Strict):
    expire_after_days: PositiveInt = Field(default=365, description="Delete log objects after this many days.")
    infrequent_access_after_days: PositiveInt | None = Field(
        default=30, description="Move objects to S3 Standard-IA after this many days (≥30); null keeps Standard.")

    @model_validator(mode="after")
    def _lifecycle(self) -> S3LogDestination:
        ia = self.infrequent_access_after_days
        if ia is not None and ia < 30:
            raise config_error(f"S3 allows Standard-IA transitions after 30 days or more, not {ia}",
                               "set infrequent_access_after_days: 30 (or more), or null")
        if ia is not None and ia >= self.expire_after_days:
            raise config_error("objects would expire before moving to Standard-IA",
                               "make infrequent_access_after_days smaller than expire_after_days, or null")
        return self


class CloudWatchLogDestination(Strict):
    retention_days: int | None = Field(default=None, description="Defaults to platform.log_retention_days.")

    @model_validator(mode="after")
    def _retention(self) -> CloudWatchLogDestination:
        days = self.retention_days
        if days is not None and days not in LOG_RETENTION_DAYS:
            nearest = min(LOG_RETENTION_DAYS, key=lambda allowed: abs(allowed - days))
            raise config_error(f"{days} is not a retention CloudWatch Logs accepts", f"did you mean {nearest}?")
        return self


class InvocationLogging(Strict):
    """Bedrock model invocation logging: one configuration per account and region."""

    enabled: bool = True
    s3: S3LogDestination | None = Field(default=None, description="Log to a KMS-encrypted bucket the kit creates.")
    cloudwatch: CloudWatchLogDestination | None = Field(
        default=None, description="Log to a KMS-encrypted CloudWatch log group the kit creates.")
    include_text: bool = Field(default=True, description="Log prompt and completion text.")
    include_images: bool = Field(default=False, description="Log image inputs/outputs.")
    include_embeddings: bool = Field(default=False, description="Log embedding vectors.")
    include_video: bool = Field(default=False, description="Log video inputs/outputs.")

    @model_validator(mode="after")
    def _destination(self) -> InvocationLogging:
        if self.enabled and self.s3 is None and self.cloudwatch is None:
            raise config_error("invocation logging is enabled but has no destination",
                               "add 's3: {}' and/or 'cloudwatch: {}', or set enabled: false")
        return self


def _lambda_only() -> list[ConsumerService]:
    return ["lambda.amazonaws.com"]


class AppRole(Strict):
    assumed_by: list[ConsumerService] = Field(
        default_factory=_lambda_only, min_length=1,
        description="Service principals that may assume the role the kit creates for the app.")


class Consumers(Strict):
    """Who may invoke the model: the invoke policy is attached to each."""

    app_role: AppRole | None = Field(default=None, description="Create an IAM role for the application.")
    role_arns: list[RoleArn] = Field(default_factory=list, description="Existing roles in the same account.")


class BedrockDeployment(DeploymentBase):
    provider: Literal["bedrock"]
    model_id: str = Field(description="Bedrock foundation model id, e.g. amazon.nova-lite-v1:0.")
    cross_region: CrossRegion = Field(
        default="none", description="Use the geo (us./eu./apac.) or global system inference profile.")
    consumers: Consumers = Field(default_factory=Consumers)
    guardrail: GuardrailConfig | None = None
    invocation_logging: InvocationLogging | None = Field(
        default=None, description="Account/region-wide: every Bedrock model of an environment must agree.")
    custom_model: Name | None = Field(
        default=None, description="A kind: bedrock customization (project.customizations) whose promoted custom "
        "model this deployment serves; model_id (its base model) serves until the first promotion.")

    def route(self, region: str) -> BedrockRoute | None:
        """How a call from `region` reaches the model; None when the catalog has no such path."""
        return resolve_route(self.model_id, self.cross_region, region)


@dataclass(frozen=True)
class BedrockRoute:
    """What an application inference profile copies from, and where requests may be served."""

    model_id: str
    source_region: str
    system_profile_id: str | None  # None: the foundation model in the source region (no cross-region)
    destination_regions: tuple[str, ...]
    is_global: bool = False


def resolve_route(model_id: str, cross_region: CrossRegion, region: str) -> BedrockRoute | None:
    model = catalog.all_models().get(model_id)
    if model is None:
        return None
    if cross_region == "none":
        if region not in model.on_demand_regions:
            return None
        return BedrockRoute(model.model_id, region, None, (region,))
    geo = "global" if cross_region == "global" else _geo_profile(model, region)
    profile = catalog.system_profile(model.model_id, geo, region) if geo else None
    if profile is None:
        return None
    return BedrockRoute(model.model_id, region, profile.profile_id, tuple(sorted(profile.destination_regions)),
                        is_global=geo == "global")


def _geo_profile(model: catalog.BedrockModel, region: str) -> str | None:
    """The geography profile callable from `region`: the region's own geo first (eu, us, apac…)."""
    candidates = sorted(g for g, p in model.inference_profiles.items() if g != "global" and region in p.source_regions)
    try:
        home = catalog.geo_for_region(region)
    except KeyError:
        home = ""
    if home in candidates:
        return home
    return candidates[0] if candidates else None
