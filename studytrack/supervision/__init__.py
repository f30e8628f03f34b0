"""Supervision by attending (列席旁听): a unit above sends one of its people to attend a
session of a group below; the supervisor reads that session's record and evaluates it on the
points the unit above sets; the group's secretaries and the leaders above read the evaluation.
"""
