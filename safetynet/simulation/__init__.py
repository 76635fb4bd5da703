"""Policy simulation: replay the same claims under a base and a reform policy and compare."""
