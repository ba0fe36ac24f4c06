"""Error taxonomy shared by the ingest, bulk, query and index functions (and local runs).

Every failure the pipeline can meet is classified as either

- **permanent** (`PermanentError`): retrying cannot help (a corrupt PDF, an oversized
  object, a malformed message, a model that rejects the input). The ingest handler sends
  the original message to the dead-letter queue *explicitly*, with the reason as message
  attributes, and then reports the record as processed; or
- **transient** (`TransientError` and any exception that is not a `PermanentError`): the
  record is reported as a batch item failure so SQS redelivers it, and after
  `maxReceiveCount` deliveries SQS redrives it to the DLQ.

Unknown exceptions are deliberately treated as transient: a bug or an outage then costs
retries, never a silently dropped document.
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base class of the errors `fmkit.knowledge` raises on purpose; `reason` is for humans."""

    kind: str = "error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentError(KnowledgeError):
    """Retrying the same input cannot succeed; dead-letter it with `reason`."""

    kind = "permanent"


class TransientError(KnowledgeError):
    """A retry later may succeed (throttling, timeouts, an unavailable dependency)."""

    kind = "transient"


class MalformedEvent(PermanentError):
    """The queue message is not a supported S3 EventBridge event."""

    kind = "malformed-event"


class UnparseableDocument(PermanentError):
    """The object cannot be turned into text: corrupt, empty, oversized or unsupported."""

    kind = "unparseable-document"


class EmbeddingRejected(PermanentError):
    """The embedding model rejected the input (a validation error, not a capacity problem)."""

    kind = "embedding-rejected"


class EmbeddingUnavailable(TransientError):
    """The embedding model kept throttling or failing after the bounded retry budget."""

    kind = "embedding-unavailable"


class ConfigurationError(KnowledgeError):
    """The deployment is inconsistent (a store of another dimension, no database host…)."""

    kind = "configuration"
