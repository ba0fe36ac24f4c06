"""Knowledge bases: vector stores, the S3 → SQS → Lambda ingestion pipeline, query, the index job."""
