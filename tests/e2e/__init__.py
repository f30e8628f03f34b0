"""End-to-end journeys in Chromium (a package, so that its conftest does not shadow
the suite's own `conftest` module, which some tests import)."""
