"""Query Lambda handler (asset root at deploy time)."""
