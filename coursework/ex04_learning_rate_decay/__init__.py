"""Exercise 04_learning_rate_decay: spec, public checks, generated tables, hidden checks, tests."""
