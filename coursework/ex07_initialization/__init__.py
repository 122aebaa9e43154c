"""Exercise 07_initialization: spec, public checks, generated tables, hidden checks, tests."""
