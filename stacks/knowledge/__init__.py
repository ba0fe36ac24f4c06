"""Knowledge bases (issue 6): vector stores, the S3 → SQS → Lambda ingestion pipeline, query."""
