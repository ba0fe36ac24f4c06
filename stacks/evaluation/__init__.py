"""The opt-in evaluation capability: scheduled benchmarks with Step Functions."""
