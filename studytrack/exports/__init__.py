"""Word, PDF and archive writers: pure functions from report data to bytes or files."""
