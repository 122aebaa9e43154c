"""Exercise 06_dropout: spec, public checks, generated tables, hidden checks, tests."""
