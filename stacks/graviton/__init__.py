"""Graviton EC2 endpoints: llama.cpp behind a load balancer, autoscaled (issue 5)."""
