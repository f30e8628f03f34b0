"""The operator's side: the health check and one structured log line per request."""
