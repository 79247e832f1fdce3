"""Corpora for the benchmarks."""
