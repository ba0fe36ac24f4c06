"""A judge model scores every answer 1–5 against a rubric (metric `judge`).

- `rubric`: the criteria, the prompt (one candidate answer per request, so no answer can gain
  from its position next to another) and the parser of the judge's JSON verdict.
- `judging`: asks the judge(s) about stored answers — once more when the verdict is malformed,
  then records a failure, never a crash — and caches the verdicts next to the results.
- `panel`: one score per item from one judge or a panel (their mean), the judges' agreement,
  and what judging cost, reported apart from the models' own cost.
"""

from fmkit.evaluate.judge.judging import JudgeRecord, judge_answers, judge_item, read_verdicts
from fmkit.evaluate.judge.panel import judge_outcome
from fmkit.evaluate.judge.rubric import CRITERIA, RUBRIC_VERSION, MalformedVerdict, Verdict, parse_verdict

__all__ = [
    "CRITERIA",
    "RUBRIC_VERSION",
    "JudgeRecord",
    "MalformedVerdict",
    "Verdict",
    "judge_answers",
    "judge_item",
    "judge_outcome",
    "parse_verdict",
    "read_verdicts",
]
