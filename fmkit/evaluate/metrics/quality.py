"""Quality metrics: BLEU, chrF, ROUGE and exact match against the references.

Quality metrics are *corpus* metrics expressed as per-item sufficient statistics that are summed
and then turned into a score (`CorpusMetric.item_stats` / `score_sums`). For BLEU and chrF this is
how sacrebleu itself computes corpus scores (a corpus BLEU is not the mean of sentence BLEUs);
for ROUGE, exact match and the optional checks it is a plain mean. One representation lets
`stats.py` bootstrap any of them the same way, and lets the report score tag subsets.
"""

from __future__ import annotations

import re
import string
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from fmkit.contracts.evaluation import QUALITY_METRICS

if TYPE_CHECKING:
    from rouge_score.rouge_scorer import RougeScorer
    from sacrebleu.metrics.bleu import BLEU
    from sacrebleu.metrics.chrf import CHRF

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
    from sacrebleu.metrics.bleu import BLEU

    # effective_order for single sentences is sacrebleu's own advice (no zero n-gram orders).
    return BLEU(effective_order=sentence)


@cache
def _chrf() -> CHRF:
    from sacrebleu.metrics.chrf import CHRF

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


class _CachedTokenizer:
    """Same tokens as rouge-score's DefaultTokenizer(use_stemmer=True) (tests pin it), memoised.

    rouge-score only calls `tokenize`, so this does not subclass its (untyped) Tokenizer.
    """

    def __init__(self) -> None:
        from rouge_score import tokenize

        stemmer = _CachedStemmer()
        self._tokenize = lru_cache(maxsize=65_536)(lambda text: tuple(tokenize.tokenize(text, stemmer)))

    def tokenize(self, text: str) -> list[str]:
        return list(self._tokenize(text))


@cache
def _rouge_scorer() -> RougeScorer:
    from rouge_score.rouge_scorer import RougeScorer

    return RougeScorer(list(_ROUGE_TYPES), tokenizer=_CachedTokenizer())


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


_LABELS = {
    "bleu": "BLEU",
    "chrf": "chrF",
    "rouge1": "ROUGE-1",
    "rouge2": "ROUGE-2",
    "rougeL": "ROUGE-L",
    "exact_match": "Exact match",
    "judge": "Judge",
    "semantic_similarity": "Semantic similarity",
}


def metric_label(name: str) -> str:
    """Display name of a metric (checks keep their own names)."""
    return _LABELS.get(name, name)


_STANDARD: dict[str, Callable[[], CorpusMetric]] = {
    "bleu": BleuMetric,
    "chrf": ChrfMetric,
    "rouge1": lambda: RougeMetric("rouge1"),
    "rouge2": lambda: RougeMetric("rouge2"),
    "rougeL": lambda: RougeMetric("rougeL"),
    "exact_match": ExactMatchMetric,
}


def quality_metrics(checks: Sequence[CorpusMetric] = ()) -> list[CorpusMetric]:
    """The standard metrics (`QUALITY_METRICS`, in that order) plus the run's checks; names must be unique."""
    metrics = [*(_STANDARD[name]() for name in QUALITY_METRICS), *checks]
    names = [m.name for m in metrics]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"metric/check names must be unique; repeated: {', '.join(duplicates)}")
    return metrics
