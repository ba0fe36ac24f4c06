"""The deploy pipeline (CDK Pipelines) that ships the config through the environments, in order."""
