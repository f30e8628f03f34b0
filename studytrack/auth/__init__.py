"""Logging in and out, passwords, and the language choice."""
