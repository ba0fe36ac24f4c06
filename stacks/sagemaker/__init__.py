"""SageMaker hosting: one `SageMakerModel` construct per `provider: sagemaker` deployment."""
