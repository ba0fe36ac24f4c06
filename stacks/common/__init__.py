"""Building blocks shared by capability constructs."""
