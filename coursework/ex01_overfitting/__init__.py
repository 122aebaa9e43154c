"""Exercise 01_overfitting: spec, public checks, generated tables, hidden checks, tests."""
