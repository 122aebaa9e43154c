"""Exercise 10_ablation_and_tuning: spec, public checks, generated tables, hidden checks, tests."""
