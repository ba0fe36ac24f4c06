"""Model customization: the workflow stack and what serving stacks need to serve its promotions."""
