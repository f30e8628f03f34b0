"""Benchmarks: a data generator at the scale of a province, and page timings (issue 7).

- `benchmarks.generate`: fill an empty database with a deterministic data set at a scale
  (`python -m benchmarks.generate --database-url URL --scale 0.1`);
- `benchmarks.pages`: time the key pages through the app's WSGI stack and count their queries
  (`python -m benchmarks.pages --database-url URL --scale 0.1`), writing `benchmarks/RESULTS.md`.

Not part of the test suite (tests/test_benchmarks.py checks the generator at a tiny scale).
The arrow points one way: the benchmarks import the application, never the reverse.
"""
