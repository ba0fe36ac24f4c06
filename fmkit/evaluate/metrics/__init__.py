"""Metrics, one module per kind of question a benchmark answers.

- `quality`: how close answers are to the references (BLEU, chrF, ROUGE, exact match), as
  corpus metrics built from per-item statistics that `fmkit.evaluate.stats` can bootstrap.
- `checks`: whether answers do what the application needs (valid JSON, a regex), scored the
  same way as quality metrics; the check grammar itself is `fmkit.contracts.evaluation`'s.
- `operational`: latency, throughput and error rate of the requests.
- `pricing`: USD per 1,000 requests from a deployment's price model and the measured usage.

Scales follow the libraries' conventions so numbers match published ones: BLEU and chrF are
0–100 (sacrebleu); ROUGE F-measures, exact match and check pass rates are 0–1.
"""
