"""Study groups a person can open: their members and their sessions."""
