"""CloudWatch metric namespaces and dimension names the kit publishes and alarms on."""

from __future__ import annotations

GRAVITON_NAMESPACE = "fmkit/Graviton"
"""llama-server concurrency published by each instance (the Graviton scaling signal)."""
EVALUATION_NAMESPACE = "fmkit/Evaluation"
"""Headline evaluation scores published by the cloud evaluation's summarize step."""

CONCURRENT_REQUESTS = "ConcurrentRequests"
"""Graviton metric: llama-server requests processing + deferred on one instance."""
GRAVITON_DIMENSIONS = ("Project", "Environment", "Deployment")
"""Dimensions of the Graviton concurrency metric, in the order the instance publishes them."""
