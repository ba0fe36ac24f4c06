"""Error taxonomy shared by the ingest, bulk and query functions.

Every failure the pipeline can meet is classified as either

* **permanent** (:class:`PermanentError`): retrying cannot help (a corrupt PDF, an
  oversized object, a malformed message, a model that rejects the input). The ingest
  handler sends the original message to the dead-letter queue *explicitly*, with the
  reason as message attributes, and then reports the record as processed; or
* **transient** (:class:`TransientError` and any exception that is not a
  :class:`PermanentError`): the record is reported as a batch item failure so SQS
  redelivers it, and after ``maxReceiveCount`` deliveries SQS redrives it to the DLQ.

Unknown exceptions are deliberately treated as transient: a bug or an outage then
costs retries, never a silently dropped document.
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base class of the errors raised on purpose by knowledge_common."""

    kind: str = "error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentError(KnowledgeError):
    """Retrying the same input cannot succeed; dead-letter it with ``reason``."""

    kind = "permanent"


class TransientError(KnowledgeError):
    """A retry later may succeed (throttling, timeouts, unavailable dependency)."""

    kind = "transient"


class MalformedEvent(PermanentError):
    """The queue message is not a supported S3 EventBridge event."""

    kind = "malformed-event"


class UnparseableDocument(PermanentError):
    """The object cannot be turned into text: corrupt, empty, oversized or unsupported."""

    kind = "unparseable-document"


class EmbeddingRejected(PermanentError):
    """The embedding model rejected the input (validation error), not a capacity problem."""

    kind = "embedding-rejected"


class EmbeddingUnavailable(TransientError):
    """The embedding model kept throttling / failing after the bounded retry budget."""

    kind = "embedding-unavailable"


class ConfigurationError(KnowledgeError):
    """The function's environment is wrong (missing or inconsistent variables)."""

    kind = "configuration"
