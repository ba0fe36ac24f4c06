"""Hyperparameters of a sagemaker-peft customization, checked by the training script's own parser."""

from __future__ import annotations

from fmkit.customize.peft_options import option_problems


def test_values_the_script_takes_pass() -> None:
    assert option_problems({"lora_r": 16, "learning_rate": 2e-4, "merge": True, "target_modules": "q_proj,v_proj",
                            "lr_scheduler": "cosine"}, method="lora") == []


def test_each_refusal_names_the_option() -> None:
    found = option_problems({"lora_rr": 16, "epochs": "x", "merged_dtype": "int8", "method": "lora"}, method="lora")
    assert found == [
        ("lora_rr", "train.py has no option 'lora_rr'", "did you mean 'lora_r'?"),
        ("epochs", "epochs = 'x': could not convert string to float: 'x'", None),
        ("merged_dtype", "merged_dtype = 'int8': must be one of float16, bfloat16, float32", None),
        ("method", "'method' is not a hyperparameter here", "set the customization's 'method' instead"),
    ]


def test_combinations_the_script_refuses() -> None:
    found = option_problems({"lora_dropout": 1.5}, method="lora")
    assert found == [(None, "the training script would refuse these hyperparameters: lora_dropout must be in "
                            "[0, 1)", None)]
