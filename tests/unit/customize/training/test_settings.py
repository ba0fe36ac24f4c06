"""What the hyperparameters mean for peft and the Trainer; QLoRA refused where it cannot run."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from fmkit.customize.training.settings import (
    SettingsError,
    TrainingSettings,
    check_method,
    lora_config,
    quantization_config,
    trainer_arguments,
)

BASE = TrainingSettings(base_model="m", train_dir=Path("/d/train"), validation_dir=None, model_dir=Path("/m"),
                        output_data_dir=Path("/o"), checkpoint_dir=Path("/opt/ml/checkpoints"))


def test_lora_config_adapts_every_projection_by_default() -> None:
    config = lora_config(BASE)
    assert config == {"r": 16, "lora_alpha": 32, "lora_dropout": 0.05, "bias": "none", "task_type": "CAUSAL_LM",
                      "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]}
    assert lora_config(dataclasses.replace(BASE, target_modules=("all-linear",)))["target_modules"] == "all-linear"


def test_trainer_checkpoints_for_spot_resume() -> None:
    arguments = trainer_arguments(BASE, has_validation=False, cuda=False)
    assert arguments["output_dir"] == "/opt/ml/checkpoints"
    assert (arguments["save_strategy"], arguments["save_steps"], arguments["save_total_limit"]) == ("steps", 50, 2)
    assert arguments["eval_strategy"] == "no" and "eval_steps" not in arguments
    assert arguments["use_cpu"] and not arguments["bf16"] and arguments["report_to"] == "none"


def test_validation_is_evaluated_at_each_checkpoint() -> None:
    arguments = trainer_arguments(dataclasses.replace(BASE, save_steps=20), has_validation=True, cuda=True)
    assert (arguments["eval_strategy"], arguments["eval_steps"], arguments["use_cpu"]) == ("steps", 20, False)


def test_qlora_is_refused_without_gpu_or_bitsandbytes() -> None:
    qlora = dataclasses.replace(BASE, method="qlora")
    with pytest.raises(SettingsError, match="QLoRA needs a CUDA GPU and the bitsandbytes package"):
        check_method(qlora, cuda=False, bitsandbytes=False)
    with pytest.raises(SettingsError, match=r"QLoRA needs the bitsandbytes package: .*set method to 'lora'"):
        check_method(qlora, cuda=True, bitsandbytes=False)
    check_method(qlora, cuda=True, bitsandbytes=True)
    check_method(BASE, cuda=False, bitsandbytes=False)  # LoRA runs anywhere


def test_qlora_loads_the_base_in_nf4() -> None:
    assert quantization_config(BASE) is None
    config = quantization_config(dataclasses.replace(BASE, method="qlora"))
    assert config is not None and config["load_in_4bit"] and config["bnb_4bit_quant_type"] == "nf4"


def test_all_problems_of_a_combination_are_named() -> None:
    with pytest.raises(SettingsError) as caught:
        dataclasses.replace(BASE, lora_r=0, batch_size=0, learning_rate=0.0, max_length=4)
    for part in ("lora_r and lora_alpha", "batch_size", "learning_rate", "max_length"):
        assert part in str(caught.value)
