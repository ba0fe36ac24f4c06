"""The opt-in evaluation capability (issue 8): scheduled benchmarks with Step Functions."""
