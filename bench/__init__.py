"""Benchmarks of the ledger service: `python -m bench` (full) and `python -m bench --smoke`.

Every figure is a ratio against a baseline measured in the same run: absolute times on a
shared machine are noise, ratios are not. See BENCHMARKS.md for the method of each workload.
"""
