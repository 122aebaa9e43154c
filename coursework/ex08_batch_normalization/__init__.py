"""Exercise 08_batch_normalization: spec, public checks, generated tables, hidden checks, tests."""
