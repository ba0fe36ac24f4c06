"""`project.yaml`: project-wide identity, tags and policies (environments may override any of it)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from fmkit.config.base import Name, Strict, TagKey, TagValue, check_tag_value, config_error
from fmkit.config.customization import Customization
from fmkit.config.evaluation import EvaluationConfig
from fmkit.config.knowledge import KnowledgeBaseConfig
from fmkit.config.pipeline import PipelineConfig
from fmkit.config.sustainability import Budget, CarbonBudget, CarbonPolicy, SustainabilityConfig


class ProjectConfig(Strict):
    name: Name = Field(description="Project name: prefixes stack names, SSM parameters and tags.")
    owner: str = Field(description="Team or person accountable (the mandatory owner tag).")
    cost_center: str = Field(description="Cost center (the mandatory cost-center tag).")
    tags: dict[TagKey, TagValue] = Field(default_factory=dict, description="Extra tags on every resource.")
    usage: Literal["commercial", "internal", "research"] = Field(
        default="commercial",
        description="How the project uses its models: a model whose license does not allow it is an error "
        "(commercial: a product or service; internal: a company's own use, still commercial for most licenses; "
        "research: non-commercial research only).",
    )
    carbon_policy: CarbonPolicy = Field(default_factory=CarbonPolicy)
    budget: Budget = Field(default_factory=Budget)
    carbon: CarbonBudget = Field(default_factory=CarbonBudget)
    knowledge_bases: dict[Name, KnowledgeBaseConfig] = Field(default_factory=dict)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    sustainability: SustainabilityConfig = Field(default_factory=SustainabilityConfig)
    pipeline: PipelineConfig | None = Field(default=None, description="A deploy pipeline across the environments "
                                            "(set here only): present means app.py also synthesizes it.")
    customizations: dict[Name, Customization] = Field(default_factory=dict)

    @field_validator("owner", "cost_center")
    @classmethod
    def _mandatory_tag_value(cls, value: str) -> str:
        if not value.strip():
            raise config_error("must not be empty: it becomes a mandatory tag", "set a real value")
        return check_tag_value(value)
