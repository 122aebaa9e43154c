"""Exercise 03_momentum: spec, public checks, generated tables, hidden checks, tests."""
