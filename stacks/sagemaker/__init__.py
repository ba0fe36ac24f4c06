"""SageMaker hosting (issue 4): one `SageMakerModel` construct per `provider: sagemaker` deployment."""
