"""Study sessions: the record of each meeting, its attendance, talks and minutes."""
