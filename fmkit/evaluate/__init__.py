"""Application-specific model benchmarks: quality, latency and cost.

Typical use (what `fmkit eval` does):

```python
dataset = load_dataset("examples/eval/dataset.jsonl")
targets = resolve_targets(names=["nova-lite", "llama-small"], ssm_client=ssm,
                          project="acme", env="dev", prices={...}, plan_costs={...})
result = run_evaluation(dataset, targets, out_dir="eval-out", concurrency=4)
judged = judge_outcome(judge_answers(result, [judge], out_dir="eval-out"), [judge], result.models)
summary = summarize(result, checks=[JsonValidCheck()], scored=[judged])
write_reports(summary, "eval-out")
raise SystemExit(check_thresholds(summary, {"rougeL": 0.3}).exit_code)
```

The judge (`fmkit.evaluate.judge`) and the embedder (`fmkit.evaluate.semantic`) add the metrics
`judge` and `semantic_similarity`. Importing this package does not import aws-cdk-lib or boto3;
no plotting library is needed (the HTML report draws its plots as SVG itself).
"""

from fmkit.contracts.pricing import InstancePricing, PriceModel, TokenPricing, parse_price
from fmkit.evaluate.adapters import AdapterOptions, ModelAdapter, RetryPolicy, build_adapter
from fmkit.evaluate.dataset import (
    Dataset,
    DatasetError,
    DatasetProblem,
    EvalItem,
    load_dataset,
    parse_dataset,
)
from fmkit.evaluate.metrics.checks import JsonValidCheck, RegexCheck, parse_check
from fmkit.evaluate.records import ChatRequest, Completion, GenerationParams, ItemRecord
from fmkit.evaluate.report.files import ReportPaths, write_reports
from fmkit.evaluate.report.gate import ThresholdReport, check_thresholds, parse_threshold
from fmkit.evaluate.report.html import render_html
from fmkit.evaluate.report.json import render_json
from fmkit.evaluate.report.markdown import render_markdown
from fmkit.evaluate.runner import EvaluationResult, load_evaluation, run_evaluation
from fmkit.evaluate.summary import EvaluationSummary, ScoredOutcome, summarize
from fmkit.evaluate.targets import (
    Target,
    TargetError,
    parse_endpoint_override,
    parse_price_overrides,
    resolve_targets,
    resolve_targets_from_ssm,
)

__all__ = [
    "AdapterOptions",
    "ChatRequest",
    "Completion",
    "Dataset",
    "DatasetError",
    "DatasetProblem",
    "EvalItem",
    "EvaluationResult",
    "EvaluationSummary",
    "GenerationParams",
    "InstancePricing",
    "ItemRecord",
    "JsonValidCheck",
    "ModelAdapter",
    "PriceModel",
    "RegexCheck",
    "ReportPaths",
    "RetryPolicy",
    "ScoredOutcome",
    "Target",
    "TargetError",
    "ThresholdReport",
    "TokenPricing",
    "build_adapter",
    "check_thresholds",
    "load_dataset",
    "load_evaluation",
    "parse_check",
    "parse_dataset",
    "parse_endpoint_override",
    "parse_price",
    "parse_price_overrides",
    "parse_threshold",
    "render_html",
    "render_json",
    "render_markdown",
    "resolve_targets",
    "resolve_targets_from_ssm",
    "run_evaluation",
    "summarize",
    "write_reports",
]
