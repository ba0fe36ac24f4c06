"""CDK constructs (one per capability) and the stacks that compose them."""
