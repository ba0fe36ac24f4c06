"""KnowledgeStack: one KnowledgeBase construct per enabled `knowledge_bases:` entry."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from constructs import Construct

from fmkit.config import EnvironmentConfig
from stacks.knowledge.knowledge_base import KnowledgeBase
from stacks.platform import PlatformStack


class KnowledgeStack(cdk.Stack):
    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig,
                 platform: PlatformStack, **kwargs: Any) -> None:
        super().__init__(scope, construct_id,
                         description=f"fmkit {config.name}: knowledge bases (vector stores, ingestion, query)",
                         **kwargs)
        self.knowledge_bases = {
            name: KnowledgeBase(self, _construct_id(name), name=name, kb=kb, config=config, platform=platform)
            for name, kb in config.project.knowledge_bases.items() if kb.enabled
        }


def _construct_id(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-"))
