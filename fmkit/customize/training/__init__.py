"""The LoRA/QLoRA training script the kit ships to a SageMaker training job.

This directory is uploaded as the job's source code (`fmkit.customize.source_archive` packs it),
so it must run in the Hugging Face PyTorch training container with nothing of fmkit installed:
its modules import only each other, the standard library, and what `requirements.txt` pins.

- `records`: the JSONL training format (the shape of `fmkit eval` datasets, `reference` being
  the answer to learn), validated with every problem reported by file and line.
- `arguments`: hyperparameters as command-line arguments, defaults from the SageMaker
  environment variables (`SM_CHANNEL_TRAIN`, `SM_MODEL_DIR`, …).
- `settings`: what the hyperparameters mean for peft and the Trainer, as plain dicts.
- `tokens`: a record turned into `input_ids` and `labels` (prompt tokens masked).
- `checkpoints`: the checkpoint to resume from after a spot interruption.
- `train` and `merge`: the parts that need torch, transformers and peft.

Everything but `train` and `merge` is torch-free, so it is unit-tested in `make test`.
"""
