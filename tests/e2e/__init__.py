"""End-to-end journeys in Chromium (a package, like the suite around it: its conftest imports
as `tests.e2e.conftest`)."""
