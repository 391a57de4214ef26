"""The benchmark of issue 6: data at regional scale, timed pages, hand-tuned SQL.

Not part of the test suite's pass/fail (``scripts/bench`` runs it and writes
``bench/RESULTS.md``); see the README's « Benchmark » section.
"""
