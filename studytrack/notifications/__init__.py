"""In-app notifications and the unread count in the navigation."""
