"""Sustainability capability: AWS's measured carbon data (BCM Data Exports) next to fmkit's estimates."""
