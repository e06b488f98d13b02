"""Gavel benchmarks. `make bench` (or `python -m bench <name>`) runs them; each prints its figures as
ratios against a reference measured in the same run, because this machine is shared and noisy."""
