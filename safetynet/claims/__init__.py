"""Claims: the documented claim file formats and their preparation for the engine."""
