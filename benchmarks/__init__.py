"""Benchmarks: autograd_mlp against micrograd 0.1.0 (and batched PyTorch), run by ``make bench``.

Not part of ``make test``: timings on a shared machine are noisy, so the suite runs the peers
interleaved in one process, several rounds, and reports medians and ratios (micrograd time ÷
ours). See ``docs/performance.md`` for the workloads, the targets and the latest results.
"""
