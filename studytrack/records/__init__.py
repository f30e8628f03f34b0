"""A member's yearly study record, and the secretary's view of who owes what in a group."""
