"""Bootstrap confidence intervals, paired model comparisons and two-sample (dev vs holdout) differences.

Benchmark sets are small (tens to hundreds of items), so a 2-point ROUGE gap is often noise.
Resampling items with replacement (Efron's percentile bootstrap; Koehn 2004 for the paired
version used in MT) needs no distributional assumption and works for corpus metrics such as
BLEU whose score is not a mean of item scores. Every function takes a `seed` and draws from
`numpy.random.default_rng(seed)` in a fixed order, so reports are reproducible byte for byte.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
# Receives resampled data of shape (B, n, k) and returns B statistic values.
Statistic = Callable[[FloatArray], FloatArray]

_CHUNK_ELEMENTS = 4_000_000  # bound memory: resample in blocks of at most ~32 MB of float64


def summed(score_sums: Callable[[FloatArray], FloatArray]) -> Statistic:
    """Adapt a corpus metric's `score_sums` (sums of per-item statistics) to a `Statistic`."""
    return lambda resampled: score_sums(resampled.sum(axis=1))


def mean_of_column(column: int = 0) -> Statistic:
    return lambda resampled: resampled[:, :, column].mean(axis=1)


def percentile_of_column(q: float, column: int = 0) -> Statistic:
    return lambda resampled: np.percentile(resampled[:, :, column], q, axis=1)


@dataclass(frozen=True)
class ConfidenceInterval:
    estimate: float  # the statistic on the full sample, not the bootstrap mean
    low: float
    high: float
    confidence: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class PairedComparison:
    """A minus B on the same items. Significant when the CI of the difference excludes 0."""

    difference: float
    low: float
    high: float
    confidence: float
    p_value: float  # two-sided, from the share of resamples on the other side of 0

    @property
    def significant(self) -> bool:
        return not (self.low <= 0.0 <= self.high)


def _as_2d(data: FloatArray | NDArray[np.floating]) -> FloatArray:
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"expected per-item data of shape (n,) or (n, k), got {arr.shape}")
    return arr


def _resampled_statistics(
    datasets: list[FloatArray], statistics: list[Statistic], n_resamples: int, seed: int
) -> list[FloatArray]:
    """Apply each statistic to the same resampled item indices (the pairing)."""
    n = datasets[0].shape[0]
    width = max(d.shape[1] for d in datasets)
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_ELEMENTS // max(1, n * width))
    outputs: list[list[FloatArray]] = [[] for _ in datasets]
    done = 0
    while done < n_resamples:
        size = min(chunk, n_resamples - done)
        indices = rng.integers(0, n, size=(size, n))
        for out, data, statistic in zip(outputs, datasets, statistics, strict=True):
            out.append(np.asarray(statistic(data[indices]), dtype=np.float64))
        done += size
    return [np.concatenate(parts) for parts in outputs]


def _check_args(n_resamples: int, confidence: float) -> None:
    if n_resamples < 1:
        raise ValueError("n_resamples must be >= 1")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")


def _comparison(difference: float, diffs: FloatArray, confidence: float) -> PairedComparison | None:
    """The percentile interval and two-sided p-value of resampled differences (None if all NaN)."""
    diffs = diffs[~np.isnan(diffs)]
    if diffs.size == 0:
        return None
    alpha = (1 - confidence) / 2
    low, high = np.quantile(diffs, [alpha, 1 - alpha])
    p_value = min(1.0, 2 * min(float(np.mean(diffs <= 0)), float(np.mean(diffs >= 0))))
    return PairedComparison(
        difference=difference, low=float(low), high=float(high), confidence=confidence, p_value=p_value
    )


def bootstrap_ci(
    data: FloatArray | NDArray[np.floating],
    statistic: Statistic,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> ConfidenceInterval | None:
    """Percentile-bootstrap CI of `statistic` over items (rows of `data`); None for no items."""
    _check_args(n_resamples, confidence)
    arr = _as_2d(data)
    if arr.shape[0] == 0:
        return None
    estimate = float(statistic(arr[None, :, :])[0])
    (values,) = _resampled_statistics([arr], [statistic], n_resamples, seed)
    values = values[~np.isnan(values)]
    if values.size == 0:
        return None
    alpha = (1 - confidence) / 2
    low, high = np.quantile(values, [alpha, 1 - alpha])
    return ConfidenceInterval(estimate=estimate, low=float(low), high=float(high), confidence=confidence)


def paired_bootstrap(
    data_a: FloatArray | NDArray[np.floating],
    data_b: FloatArray | NDArray[np.floating],
    statistic: Statistic,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedComparison | None:
    """Bootstrap the difference statistic(A) - statistic(B) over the same resampled items.

    Row i of `data_a` and `data_b` must describe the same dataset item. Pairing removes the
    variance that comes from item difficulty, which is most of it on small benchmarks.
    """
    _check_args(n_resamples, confidence)
    a, b = _as_2d(data_a), _as_2d(data_b)
    if a.shape[0] != b.shape[0]:
        raise ValueError(f"paired data must have the same items: {a.shape[0]} != {b.shape[0]}")
    if a.shape[0] == 0:
        return None
    difference = float(statistic(a[None])[0] - statistic(b[None])[0])
    values_a, values_b = _resampled_statistics([a, b], [statistic, statistic], n_resamples, seed)
    return _comparison(difference, values_a - values_b, confidence)


def two_sample_bootstrap(
    data_a: FloatArray | NDArray[np.floating],
    data_b: FloatArray | NDArray[np.floating],
    statistic: Statistic,
    *,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedComparison | None:
    """Bootstrap statistic(A) - statistic(B) for two *different* sets of items (dev vs holdout).

    Nothing pairs the rows, so each set is resampled on its own (from one seeded generator, A's
    draws then B's per block, so results are reproducible). Returned in the paired comparison's
    shape: the difference, its percentile interval and the two-sided p-value.
    """
    _check_args(n_resamples, confidence)
    a, b = _as_2d(data_a), _as_2d(data_b)
    if a.shape[0] == 0 or b.shape[0] == 0:
        return None
    difference = float(statistic(a[None])[0] - statistic(b[None])[0])
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_ELEMENTS // max(1, max(a.shape[0] * a.shape[1], b.shape[0] * b.shape[1])))
    parts: list[FloatArray] = []
    done = 0
    while done < n_resamples:
        size = min(chunk, n_resamples - done)
        index_a = rng.integers(0, a.shape[0], size=(size, a.shape[0]))
        index_b = rng.integers(0, b.shape[0], size=(size, b.shape[0]))
        parts.append(np.asarray(statistic(a[index_a]), dtype=np.float64)
                     - np.asarray(statistic(b[index_b]), dtype=np.float64))
        done += size
    return _comparison(difference, np.concatenate(parts), confidence)
