"""Use cases every door calls: one unit of work each, typed inputs and results."""
