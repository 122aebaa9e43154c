"""Exercise 09_putting_it_together: spec, public checks, generated tables, hidden checks, tests."""
