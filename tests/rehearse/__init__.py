"""`make rehearse`: deploy one environment with the real CDK CLI onto moto in server mode (docs/rehearsal.md)."""
