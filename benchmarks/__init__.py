"""Benchmarks (`make bench`): not part of the wheel; run from a checkout."""
