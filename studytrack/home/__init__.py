"""The landing page for each role, and the leader's view of the units below."""
