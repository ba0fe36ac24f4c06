from __future__ import annotations

import numpy as np
import pytest

from fmkit.evaluate.metrics.quality import BleuMetric
from fmkit.evaluate.stats import (
    bootstrap_ci,
    mean_of_column,
    paired_bootstrap,
    percentile_of_column,
    summed,
    two_sample_bootstrap,
)


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    values = np.random.default_rng(1).normal(0.5, 0.1, size=80)
    first = bootstrap_ci(values, mean_of_column(), n_resamples=500, seed=7)
    again = bootstrap_ci(values, mean_of_column(), n_resamples=500, seed=7)
    other = bootstrap_ci(values, mean_of_column(), n_resamples=500, seed=8)
    assert first == again
    assert first is not None and other is not None
    assert (first.low, first.high) != (other.low, other.high)


def test_ci_contains_the_estimate_and_has_the_expected_width() -> None:
    values = np.random.default_rng(2).normal(0.5, 0.1, size=400)
    ci = bootstrap_ci(values, mean_of_column(), n_resamples=2000, seed=0)
    assert ci is not None
    assert ci.estimate == pytest.approx(values.mean())
    assert ci.contains(ci.estimate)
    # Normal-theory half width 1.96 * sd / sqrt(n) ≈ 0.0098; the percentile bootstrap is close.
    assert (ci.high - ci.low) / 2 == pytest.approx(1.96 * values.std(ddof=1) / np.sqrt(400), rel=0.15)


def test_95_percent_intervals_cover_the_true_mean_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(3)
    covered = 0
    trials = 200
    for trial in range(trials):
        sample = rng.exponential(1.0, size=60)  # skewed on purpose; true mean is 1
        ci = bootstrap_ci(sample, mean_of_column(), n_resamples=400, seed=trial)
        assert ci is not None
        covered += ci.contains(1.0)
    assert 0.86 <= covered / trials <= 0.99


def test_corpus_metric_bootstrap_uses_summed_statistics() -> None:
    hyps = ["the cat sat on the mat", "a dog barked loudly", "it rained all day", "we went home early"] * 5
    refs = ["the cat sat on a mat", "the dog barked loudly", "it rained the whole day", "we went home"] * 5
    metric = BleuMetric()
    ci = bootstrap_ci(metric.item_stats(hyps, refs), summed(metric.score_sums), n_resamples=300, seed=0)
    assert ci is not None
    assert ci.estimate == pytest.approx(metric.score(hyps, refs))
    assert ci.low <= ci.estimate <= ci.high
    assert ci.high - ci.low > 0


def test_percentile_statistic_for_latency() -> None:
    latencies = np.arange(1.0, 101.0)
    ci = bootstrap_ci(latencies, percentile_of_column(95), n_resamples=300, seed=0)
    assert ci is not None
    assert ci.estimate == pytest.approx(np.percentile(latencies, 95))
    assert ci.low < ci.estimate <= ci.high <= 100.0


def test_paired_bootstrap_detects_a_real_difference() -> None:
    rng = np.random.default_rng(4)
    base = rng.uniform(0.2, 0.8, size=100)  # item difficulty, shared by both models
    better = base + 0.05 + rng.normal(0, 0.02, size=100)
    result = paired_bootstrap(better, base, mean_of_column(), n_resamples=1000, seed=0)
    assert result is not None
    assert result.significant
    assert result.low > 0
    assert result.difference == pytest.approx(float(better.mean() - base.mean()))
    assert result.p_value < 0.01


def test_paired_bootstrap_reports_no_difference_when_ci_contains_zero() -> None:
    rng = np.random.default_rng(5)
    a = rng.uniform(0, 1, size=40)
    b = a + rng.normal(0, 0.05, size=40)  # noise only
    result = paired_bootstrap(a, b, mean_of_column(), n_resamples=1000, seed=0)
    assert result is not None
    assert result.low <= 0 <= result.high
    assert not result.significant
    same = paired_bootstrap(a, a, mean_of_column(), n_resamples=200, seed=0)
    assert same is not None and same.difference == 0 and same.p_value == 1.0 and not same.significant


def test_degenerate_inputs() -> None:
    assert bootstrap_ci(np.array([]), mean_of_column()) is None
    single = bootstrap_ci(np.array([0.7]), mean_of_column(), n_resamples=50)
    assert single is not None and single.low == single.high == single.estimate == pytest.approx(0.7)
    with pytest.raises(ValueError, match="same items"):
        paired_bootstrap(np.ones(3), np.ones(4), mean_of_column())
    with pytest.raises(ValueError):
        bootstrap_ci(np.ones(3), mean_of_column(), n_resamples=0)
    with pytest.raises(ValueError):
        bootstrap_ci(np.ones(3), mean_of_column(), confidence=1.5)


def test_two_sample_bootstrap_of_different_items() -> None:
    """Dev and holdout are different items of different counts: each is resampled on its own."""
    rng = np.random.default_rng(3)
    dev, holdout = rng.normal(0.8, 0.1, size=60), rng.normal(0.6, 0.1, size=25)
    drop = two_sample_bootstrap(dev, holdout, mean_of_column(), n_resamples=2000, seed=0)
    assert drop is not None and drop.difference == pytest.approx(dev.mean() - holdout.mean())
    # Normal theory for the difference of two means: sd = sqrt(s_dev²/60 + s_holdout²/25); a 95% CI is ±1.96 sd.
    sd = (dev.var(ddof=1) / 60 + holdout.var(ddof=1) / 25) ** 0.5
    assert drop.high - drop.low == pytest.approx(2 * 1.96 * sd, rel=0.1)
    assert drop.significant and drop.p_value < 0.01
    same = two_sample_bootstrap(dev, rng.normal(0.8, 0.1, size=25), mean_of_column(), n_resamples=2000, seed=0)
    assert same is not None and not same.significant
    assert two_sample_bootstrap(dev, dev, mean_of_column(), n_resamples=200, seed=1) == two_sample_bootstrap(
        dev, dev, mean_of_column(), n_resamples=200, seed=1)
    assert two_sample_bootstrap(dev, np.zeros(0), mean_of_column()) is None
