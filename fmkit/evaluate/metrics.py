"""Quality, latency, throughput and cost metrics.

Quality metrics are *corpus* metrics expressed as per-item sufficient statistics that are summed
and then turned into a score (`CorpusMetric.item_stats` / `score_sums`). For BLEU and chrF this is
how sacrebleu itself computes corpus scores (a corpus BLEU is not the mean of sentence BLEUs);
for ROUGE, exact match and the optional checks it is a plain mean. One representation lets
`stats.py` bootstrap any of them the same way, and lets the report score tag subsets.

Scales follow the libraries' conventions so numbers match published ones: BLEU and chrF are
0–100 (sacrebleu); ROUGE F-measures, exact match and check pass rates are 0–1.
"""

from __future__ import annotations

import json
import re
import string
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from fmkit.contracts.pricing import InstancePricing, TokenPricing
from fmkit.evaluate.records import ItemRecord

if TYPE_CHECKING:
    from rouge_score.rouge_scorer import RougeScorer
    from sacrebleu.metrics import BLEU, CHRF

FloatArray = NDArray[np.float64]


# --------------------------------------------------------------------------------------------
# Text-level functions (the building blocks, also handy on their own)
# --------------------------------------------------------------------------------------------

_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCT_TABLE = str.maketrans("", "", string.punctuation)


def normalize_answer(text: str) -> str:
    """SQuAD-style normalisation: NFKC, lower case, no punctuation, no articles, single spaces.

    Exact match on raw strings fails on "Yes." vs "yes"; this is the normalisation used by the
    SQuAD evaluation script, so exact-match numbers are comparable with that literature.
    """
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.translate(_PUNCT_TABLE)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def exact_match(hypothesis: str, reference: str) -> float:
    return 1.0 if normalize_answer(hypothesis) == normalize_answer(reference) else 0.0


# The scoring libraries are imported on first use: rouge-score imports nltk, which imports
# scipy (~2 s), and adapters/targets/CLI start-up should not pay for that.


@cache
def _bleu(*, sentence: bool) -> BLEU:
    from sacrebleu.metrics import BLEU

    # effective_order for single sentences is sacrebleu's own advice (no zero n-gram orders).
    return BLEU(effective_order=sentence)


@cache
def _chrf() -> CHRF:
    from sacrebleu.metrics import CHRF

    return CHRF()


def sentence_bleu(hypothesis: str, reference: str) -> float:
    return float(_bleu(sentence=True).sentence_score(hypothesis, [reference]).score)


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    return float(_bleu(sentence=False).corpus_score(list(hypotheses), [list(references)]).score)


def sentence_chrf(hypothesis: str, reference: str) -> float:
    return float(_chrf().sentence_score(hypothesis, [reference]).score)


def corpus_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    return float(_chrf().corpus_score(list(hypotheses), [list(references)]).score)


_ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")


class _CachedStemmer:
    """nltk's Porter stemmer with memoised words: stemming is most of rouge-score's run time."""

    def __init__(self) -> None:
        from nltk.stem import porter

        self.stem = lru_cache(maxsize=200_000)(porter.PorterStemmer().stem)


@cache
def _rouge_scorer() -> RougeScorer:
    from rouge_score import tokenize, tokenizers
    from rouge_score.rouge_scorer import RougeScorer

    class CachedDefaultTokenizer(tokenizers.Tokenizer):
        """Same tokens as rouge-score's DefaultTokenizer(use_stemmer=True) (tests pin it), memoised."""

        def __init__(self) -> None:
            stemmer = _CachedStemmer()
            self._tokenize = lru_cache(maxsize=65_536)(lambda text: tuple(tokenize.tokenize(text, stemmer)))

        def tokenize(self, text: str) -> list[str]:
            return list(self._tokenize(text))

    return RougeScorer(list(_ROUGE_TYPES), tokenizer=CachedDefaultTokenizer())


@lru_cache(maxsize=65536)
def rouge(hypothesis: str, reference: str) -> dict[str, float]:
    """ROUGE-1/2/L F-measure with Porter stemming (rouge-score's default tokenizer: English)."""
    scores = _rouge_scorer().score(reference, hypothesis)  # rouge-score takes (target, prediction)
    return {name: float(scores[name].fmeasure) for name in _ROUGE_TYPES}


# --------------------------------------------------------------------------------------------
# Corpus metrics as summable statistics
# --------------------------------------------------------------------------------------------


class CorpusMetric(ABC):
    """A quality metric computed from per-item statistics that add up over a corpus."""

    name: str
    scale: float  # 100 for sacrebleu metrics, 1 for the rest: for display and thresholds
    description: str

    @abstractmethod
    def item_stats(self, hypotheses: Sequence[str], references: Sequence[str]) -> FloatArray:
        """Shape (n_items, k): one row of sufficient statistics per item."""

    @abstractmethod
    def score_sums(self, sums: FloatArray) -> FloatArray:
        """Shape (B, k) summed statistics -> (B,) scores."""

    def score(self, hypotheses: Sequence[str], references: Sequence[str]) -> float:
        stats = self.item_stats(hypotheses, references)
        return float(self.score_sums(stats.sum(axis=0, keepdims=True))[0])

    @abstractmethod
    def item_scores(self, hypotheses: Sequence[str], references: Sequence[str]) -> FloatArray:
        """Per-item (sentence-level) scores: to show the weakest answers, not to aggregate."""

    def applies_to(self, item_tags: Sequence[str]) -> bool:
        """Whether an item counts for this metric; checks can be limited to tagged items."""
        return True


class _SacreMetric(CorpusMetric):
    # sacrebleu's own paired bootstrap (sacrebleu.significance) uses these two methods in exactly
    # this way; tests pin that the summed statistics reproduce `corpus_score`.
    def __init__(self, metric: BLEU | CHRF, sentence: Callable[[str, str], float]) -> None:
        self._metric = metric
        self._sentence = sentence

    def item_scores(self, hypotheses: Sequence[str], references: Sequence[str]) -> FloatArray:
        return np.asarray([self._sentence(h, r) for h, r in zip(hypotheses, references, strict=True)])

    def item_stats(self, hypotheses: Sequence[str], references: Sequence[str]) -> FloatArray:
        if not hypotheses:
            return np.zeros((0, 1))
        stats = self._metric._extract_corpus_statistics(list(hypotheses), [list(references)])
        return np.asarray(stats, dtype=np.float64)

    def score_sums(self, sums: FloatArray) -> FloatArray:
        out = np.empty(sums.shape[0])
        for i, row in enumerate(sums):
            if not row.any():
                out[i] = 0.0
                continue
            # Statistics are integer counts; sacrebleu expects ints (BLEU indexes with them).
            out[i] = self._metric._compute_score_from_stats([round(v) for v in row]).score
        return out


class BleuMetric(_SacreMetric):
    name = "bleu"
    scale = 100.0
    description = "corpus BLEU (sacrebleu defaults: 13a tokenizer, exp smoothing), 0-100"

    def __init__(self) -> None:
        super().__init__(_bleu(sentence=False), sentence_bleu)


class ChrfMetric(_SacreMetric):
    name = "chrf"
    scale = 100.0
    description = "corpus chrF2 (sacrebleu defaults: char 6-grams, beta 2), 0-100"

    def __init__(self) -> None:
        super().__init__(_chrf(), sentence_chrf)


class MeanMetric(CorpusMetric):
    """Mean of a per-item score; statistics are (value, 1) so subsets and resamples just sum."""

    scale = 1.0

    @abstractmethod
    def item_score(self, hypothesis: str, reference: str) -> float: ...

    def item_stats(self, hypotheses: Sequence[str], references: Sequence[str]) -> FloatArray:
        values = [self.item_score(h, r) for h, r in zip(hypotheses, references, strict=True)]
        stats = np.ones((len(values), 2))
        if values:
            stats[:, 0] = values
        return stats

    def item_scores(self, hypotheses: Sequence[str], references: Sequence[str]) -> FloatArray:
        return self.item_stats(hypotheses, references)[:, 0]

    def score_sums(self, sums: FloatArray) -> FloatArray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(sums[:, 1] > 0, sums[:, 0] / np.maximum(sums[:, 1], 1), np.nan)


class RougeMetric(MeanMetric):
    def __init__(self, variant: Literal["rouge1", "rouge2", "rougeL"]) -> None:
        self.name = variant
        self.description = f"mean {variant.upper()} F-measure (rouge-score, Porter stemming), 0-1"

    def item_score(self, hypothesis: str, reference: str) -> float:
        return rouge(hypothesis, reference)[self.name]


class ExactMatchMetric(MeanMetric):
    name = "exact_match"
    description = "share of answers equal to the reference after SQuAD normalisation, 0-1"

    def item_score(self, hypothesis: str, reference: str) -> float:
        return exact_match(hypothesis, reference)


@dataclass(frozen=True)
class RegexCheck(MeanMetric):
    """Pass if the answer matches `pattern` (re.search): e.g. it cites an order number format."""

    pattern: str
    name: str = "regex"
    ignore_case: bool = False
    tags: tuple[str, ...] = ()  # only items with one of these tags count (all items when empty)
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        flags = re.DOTALL | (re.IGNORECASE if self.ignore_case else 0)
        object.__setattr__(self, "_compiled", re.compile(self.pattern, flags))
        if not self.description:
            scope = f" (items tagged {', '.join(self.tags)})" if self.tags else ""
            object.__setattr__(self, "description", f"share of answers matching /{self.pattern}/{scope}, 0-1")

    def applies_to(self, item_tags: Sequence[str]) -> bool:
        return not self.tags or any(tag in self.tags for tag in item_tags)

    def item_score(self, hypothesis: str, reference: str) -> float:
        compiled: re.Pattern[str] = self._compiled  # type: ignore[attr-defined]
        return 1.0 if compiled.search(hypothesis) else 0.0


_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class JsonValidCheck(MeanMetric):
    """Pass if the whole answer parses as JSON (what an app calling `json.loads` needs).

    `allow_code_fence` accepts a ```json fenced block, for apps that strip fences first.
    """

    name: str = "json_valid"
    allow_code_fence: bool = False
    tags: tuple[str, ...] = ()  # only items with one of these tags count (all items when empty)
    description: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.description:
            scope = f" (items tagged {', '.join(self.tags)})" if self.tags else ""
            object.__setattr__(self, "description", f"share of answers that parse as JSON{scope}, 0-1")

    def applies_to(self, item_tags: Sequence[str]) -> bool:
        return not self.tags or any(tag in self.tags for tag in item_tags)

    def item_score(self, hypothesis: str, reference: str) -> float:
        text = hypothesis.strip()
        if self.allow_code_fence and (match := _FENCE.match(text)):
            text = match.group(1)
        try:
            json.loads(text)
        except ValueError:
            return 0.0
        return 1.0


Check = RegexCheck | JsonValidCheck

QUALITY_METRICS: tuple[str, ...] = ("bleu", "chrf", "rouge1", "rouge2", "rougeL", "exact_match")

_LABELS = {
    "bleu": "BLEU",
    "chrf": "chrF",
    "rouge1": "ROUGE-1",
    "rouge2": "ROUGE-2",
    "rougeL": "ROUGE-L",
    "exact_match": "Exact match",
}


def metric_label(name: str) -> str:
    """Display name of a metric (checks keep their own names)."""
    return _LABELS.get(name, name)


def quality_metrics(checks: Sequence[Check] = ()) -> list[CorpusMetric]:
    """The standard metrics plus the run's optional checks (names must be unique)."""
    metrics: list[CorpusMetric] = [
        BleuMetric(),
        ChrfMetric(),
        RougeMetric("rouge1"),
        RougeMetric("rouge2"),
        RougeMetric("rougeL"),
        ExactMatchMetric(),
        *checks,
    ]
    names = [m.name for m in metrics]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"metric/check names must be unique; repeated: {', '.join(duplicates)}")
    return metrics


def parse_check(spec: str) -> Check:
    """Parse a CLI check: `json[@TAGS]`, `json-fenced[@TAGS]`, `regex[:NAME][@TAGS]=PATTERN`.

    `@TAGS` (comma-separated) limits the check to items with one of those tags, e.g.
    `json@triage` when only the triage prompts must answer in JSON.
    """
    head, sep, pattern = spec.partition("=")
    head, _, tag_list = head.partition("@")
    tags = tuple(t.strip() for t in tag_list.split(",") if t.strip())
    if not sep and head == "json":
        return JsonValidCheck(tags=tags)
    if not sep and head == "json-fenced":
        return JsonValidCheck(allow_code_fence=True, tags=tags)
    if sep and (head == "regex" or head.startswith("regex:")):
        name = head.partition(":")[2] or "regex"
        try:
            return RegexCheck(pattern=pattern, name=name, tags=tags)
        except re.error as exc:
            raise ValueError(f"invalid regex in check {spec!r}: {exc}") from exc
    raise ValueError(
        f"unknown check {spec!r}: use 'json[@TAGS]', 'json-fenced[@TAGS]' or 'regex[:NAME][@TAGS]=PATTERN'"
    )


# --------------------------------------------------------------------------------------------
# Latency, throughput, errors
# --------------------------------------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float | None:
    """Linear-interpolated percentile (numpy default); None for no data."""
    data = np.asarray(list(values), dtype=np.float64)
    if data.size == 0:
        return None
    return float(np.percentile(data, q))


@dataclass(frozen=True)
class LatencyStats:
    n: int
    p50: float
    p95: float
    mean: float


def latency_stats(values: Iterable[float | None]) -> LatencyStats | None:
    data = [v for v in values if v is not None]
    if not data:
        return None
    arr = np.asarray(data, dtype=np.float64)
    return LatencyStats(
        n=len(data),
        p50=float(np.percentile(arr, 50)),
        p95=float(np.percentile(arr, 95)),
        mean=float(arr.mean()),
    )


def busy_seconds(intervals: Iterable[tuple[float, float]]) -> float:
    """Length of the union of [start, end] intervals.

    Throughput is requests per *busy* second so that gaps between resumed runs (or a second
    model's run) do not dilute it.
    """
    total = 0.0
    current_start: float | None = None
    current_end = 0.0
    for start, end in sorted(intervals):
        if current_start is None or start > current_end:
            if current_start is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_start is not None:
        total += current_end - current_start
    return total


def throughput_rps(records: Iterable[ItemRecord]) -> float | None:
    """Successful requests per busy second at the concurrency the run used."""
    all_records = list(records)
    ok = sum(1 for r in all_records if r.ok)
    busy = busy_seconds((r.started_at, r.finished_at) for r in all_records)
    if ok == 0 or busy <= 0:
        return None
    return ok / busy


def output_tokens_per_second(records: Iterable[ItemRecord]) -> float | None:
    """Median per-request output tokens / end-to-end latency (what one user experiences)."""
    rates = [
        r.output_tokens / r.latency_s
        for r in records
        if r.ok and r.output_tokens is not None and r.latency_s is not None and r.latency_s > 0
    ]
    return float(np.median(rates)) if rates else None


def error_rate(records: Sequence[ItemRecord]) -> float | None:
    if not records:
        return None
    return sum(1 for r in records if not r.ok) / len(records)


# --------------------------------------------------------------------------------------------
# Cost
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CostEstimate:
    per_1k_requests: float
    basis: Literal["tokens", "hourly"]
    note: str


def cost_per_1k_requests(price: TokenPricing | InstancePricing, records: Sequence[ItemRecord]) -> CostEstimate | None:
    """USD per 1,000 requests like the benchmark's, or None when it cannot be measured.

    Token pricing uses the mean reported token usage of successful requests. Hourly pricing
    divides the instance cost by the measured throughput, so it assumes the endpoint is kept as
    busy as during the run (run with the concurrency you expect in production).
    """
    ok = [r for r in records if r.ok]
    if isinstance(price, TokenPricing):
        usage = [
            (r.input_tokens, r.output_tokens) for r in ok if r.input_tokens is not None and r.output_tokens is not None
        ]
        if not usage:
            return None
        mean_in = sum(u[0] for u in usage if u[0] is not None) / len(usage)
        mean_out = sum(u[1] for u in usage if u[1] is not None) / len(usage)
        per_request = mean_in / 1000 * price.input_per_1k + mean_out / 1000 * price.output_per_1k
        return CostEstimate(
            per_1k_requests=per_request * 1000,
            basis="tokens",
            note=f"mean {mean_in:.0f} input + {mean_out:.0f} output tokens per request",
        )
    rps = throughput_rps(records)
    if rps is None:
        return None
    hourly = price.per_hour * price.instances
    return CostEstimate(
        per_1k_requests=hourly / 3600 / rps * 1000,
        basis="hourly",
        note=f"{price.instances} × ${price.per_hour:g}/h at a measured {rps:.3g} req/s",
    )
