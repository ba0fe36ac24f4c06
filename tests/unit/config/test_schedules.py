"""One schedule shape for every provider: five-field cron, converted for Application Auto Scaling."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from fmkit.config import ConfigError
from fmkit.config.schedules import CapacitySchedule, application_autoscaling_cron
from fmkit.validate import load_validated
from tests.helpers import write_config


@pytest.mark.parametrize(("five", "six"), [
    ("0 8 * * MON-FRI", "cron(0 8 ? * MON-FRI *)"),
    ("30 19 * * *", "cron(30 19 * * ? *)"),
    ("0 6 1 * *", "cron(0 6 1 * ? *)"),
    ("0 8 * * 1-5", "cron(0 8 ? * 2-6 *)"),          # Unix Monday = 1, AWS Monday = 2
    ("0 0 * * 0", "cron(0 0 ? * 1 *)"),              # Sunday: 0 in Unix, 1 in AWS
    ("0 0 * * 7", "cron(0 0 ? * 1 *)"),              # Sunday written as 7
    ("0 0 * * 0,6", "cron(0 0 ? * 1,7 *)"),          # weekends
    ("0 0 * * 1-7", "cron(0 0 ? * 2-7,1 *)"),        # Monday to Sunday wraps
    ("*/15 * * * sat", "cron(*/15 * ? * SAT *)"),
])
def test_application_autoscaling_cron(five: str, six: str) -> None:
    assert application_autoscaling_cron(five) == six


@pytest.mark.parametrize(("cron", "words"), [
    ("0 8 ? * MON-FRI *", "not 5"),
    ("0 8 * *", "not 5"),
    ("0 8 1 * MON", "both a day of the month and a day of the week"),
    ("0 8 * * MON;FRI", "not a cron expression"),
])
def test_bad_crons_are_refused_with_the_fix(cron: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        CapacitySchedule.model_validate({"name": "x", "cron": cron, "min": 1})


def test_time_zone_must_exist() -> None:
    with pytest.raises(ValidationError, match="not an IANA time zone"):
        CapacitySchedule.model_validate({"name": "x", "cron": "0 8 * * *", "time_zone": "Europe/Dublinn", "min": 1})


def test_the_old_sagemaker_key_shows_the_new_shape(tmp_path: Path) -> None:
    model = """
        provider: sagemaker
        source: {jumpstart: {model_id: huggingface-llm-qwen2-5-7b-instruct}}
        instance_type: ml.g5.2xlarge
        autoscaling:
          min: 1
          max: 2
          schedule:
            - {name: night, cron: "0 19 ? * MON-FRI *", timezone: Europe/Dublin, min: 1, max: 1}
    """
    with pytest.raises(ConfigError) as caught:
        load_validated(write_config(tmp_path, {"models/m.yaml": model}))
    [problem] = [p for p in caught.value.problems if "schedules" in p.message]
    assert "'schedule' is now 'schedules'" in problem.message
    assert problem.hint is not None and "cron: '0 8 * * MON-FRI', time_zone: Europe/Dublin" in problem.hint
