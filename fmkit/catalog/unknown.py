"""What to tell a user whose model id the offline catalog lacks: a way forward, not a false typo.

A well-formed id that is not in the catalog is most likely a model released after the catalog's
`retrieved` date: the answer is to record it in the project's catalog (`model_configs/catalog/`)
or refresh the catalog with credentials. "Did you mean" is only offered when the id is not
well-formed and a known id is close (the case of a real typo).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

BEDROCK_ID_RE = re.compile(r"^[a-z0-9]+\.[a-z0-9][a-z0-9.-]*(-v\d+(:\d+)?|:\d+)$")
"""provider.name with a version: amazon.nova-lite-v1:0, cohere.embed-english-v3, openai.gpt-oss-20b-1:0."""
JUMPSTART_ID_RE = re.compile(r"^(huggingface|meta|mistral|mistralai|model|pytorch|tensorflow)-[a-z0-9]+(-[a-z0-9]+)+$")
"""JumpStart ids: a publisher prefix, then lowercase dash-separated words (huggingface-llm-…)."""


@dataclass(frozen=True)
class UnknownModel:
    message: str
    hint: str


def unknown_model(kind: str, model_id: str, known: Iterable[str], *, well_formed: re.Pattern[str],
                  retrieved: str, catalog_section: str, refresh_script: str) -> UnknownModel:
    """The message and hint for `model_id` missing from the `kind` catalog (retrieved `retrieved`)."""
    message = f"'{model_id}' is not in fmkit's {kind} catalog (retrieved {retrieved})"
    if not well_formed.match(model_id):
        close = difflib.get_close_matches(model_id, list(known), n=1, cutoff=0.6)
        if close:
            return UnknownModel(message, f"did you mean '{close[0]}'?")
    return UnknownModel(
        message,
        f"if it is newer than the catalog, record it in model_configs/catalog/<id>.yaml with a "
        f"'{catalog_section}' section (schema: model_configs/schemas/catalog.schema.json), or refresh the "
        f"catalog with {refresh_script} when you have AWS credentials; `fmkit models` lists the known models",
    )
