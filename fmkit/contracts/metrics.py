"""CloudWatch metric namespaces, names and dimension names the kit publishes and alarms on.

Both sides of each boundary read them from here: the code that publishes a metric (an
instance, a Lambda handler) and the stacks that alarm on it or draw it on a dashboard, so a
renamed metric fails a test instead of leaving an empty graph.
"""

from __future__ import annotations

GRAVITON_NAMESPACE = "fmkit/Graviton"
"""llama-server concurrency published by each instance (the Graviton scaling signal)."""
EVALUATION_NAMESPACE = "fmkit/Evaluation"
"""Headline evaluation scores published by the cloud evaluation's summarize step."""

CONCURRENT_REQUESTS = "ConcurrentRequests"
"""Graviton metric: llama-server requests processing + deferred on one instance."""
GRAVITON_DIMENSIONS = ("Project", "Environment", "Deployment")
"""Dimensions of the Graviton concurrency metric, in the order the instance publishes them."""

EVALUATION_VALUE = "Value"
"""Evaluation metric name: every headline figure is a `Value`, told apart by its dimensions."""
EVALUATION_DIMENSIONS = ("Environment", "Model", "Metric")
"""Dimensions of an evaluation figure: the environment, the deployment evaluated, the figure's name."""
EVALUATION_OPERATIONAL = ("error_rate", "latency_p95_s", "latency_with_retries_p95_s", "ttft_p95_s",
                          "usd_per_1k_requests_expected", "usd_per_1k_requests_marginal")
"""`Metric` values that are operational figures (rates, seconds, dollars), not quality scores."""

KNOWLEDGE_NAMESPACE = "fmkit/Knowledge"
"""What the ingest function did with each S3 event (Powertools metrics, embedded metric format)."""
KNOWLEDGE_DIMENSIONS = ("FunctionName", "service")
"""Dimensions of the ingest metrics: the ingest function (one per knowledge base) and Powertools'
`service` dimension (the function's POWERTOOLS_SERVICE_NAME), which Powertools always adds."""
DOCUMENTS_INDEXED = "DocumentsIndexed"
"""Object versions parsed, chunked, embedded and written."""
DOCUMENTS_DELETED = "DocumentsDeleted"
"""Deleted objects whose chunks were removed."""
DOCUMENTS_SKIPPED = "DocumentsSkipped"
"""Events that changed nothing: out of scope, already indexed, superseded by a newer version."""
CHUNKS_WRITTEN = "ChunksWritten"
"""Chunks written for indexed documents."""
CHUNKS_EMBEDDED = "ChunksEmbedded"
"""Chunks embedded by the model (the rest reused a stored vector of the same text)."""
INGEST_ERRORS = "IngestErrors"
"""Events that failed: sent to the dead-letter queue at once, or left for SQS to retry."""
KNOWLEDGE_INGEST_SERVICE = "knowledge-ingest"
"""The ingest function's service name: its Powertools `service` dimension (and the knowledge stack's
POWERTOOLS_SERVICE_NAME for it, which a template test keeps equal)."""
