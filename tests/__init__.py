"""The test suite: a package, so that its modules and `tests.fixtures` import by one name
(`tests.…`) under a plain `pytest` as under `python -m pytest`."""
