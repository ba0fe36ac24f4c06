"""The environment's operations dashboard: metrics, alarms, cost and carbon of everything it runs."""
