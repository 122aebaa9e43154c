"""Exercise 05_early_stopping: spec, public checks, generated tables, hidden checks, tests."""
