"""Exercise 02_l1_l2_regularization: spec, public checks, generated tables, hidden checks, tests."""
