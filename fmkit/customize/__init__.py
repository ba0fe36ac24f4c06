"""Model customization: train a LoRA adapter, ship it as GGUF, promote it only when it is better.

- `training/`: the script a SageMaker training job runs (LoRA/QLoRA with transformers + peft,
  resumable from spot checkpoints, adapter merged into the base weights); torch-free parts
  (data format, arguments, settings) are importable without torch.
- `source_archive`: that script packed as the job's `sourcedir.tar.gz`.
- `sagemaker_job`: the `CreateTrainingJob` request (image resolved offline, spot + checkpoints).
- `bedrock_job`: the Bedrock `CreateModelCustomizationJob` and `CreateProvisionedModelThroughput`
  requests (tagged: neither has a CloudFormation type).
- `gguf`: merged model → GGUF → quantized GGUF with llama.cpp's own tools, each with a sha256;
  the command lines are functions the cloud build renders.
- `holdout` and `promotion`: per-item holdout scores from `fmkit eval`, and the gate that promotes
  a candidate only when it beats the served model by a margin with a significant paired test.

Importing this package imports neither torch nor aws-cdk-lib.
"""
