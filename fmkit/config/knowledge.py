"""A knowledge base: a vector store kept in sync with an S3 bucket."""

from __future__ import annotations

from fmkit.config.base import Strict


class KnowledgeBaseConfig(Strict):
    description: str = ""
    enabled: bool = True
