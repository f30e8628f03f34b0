"""Administration: the organisation tree, study groups, accounts, memberships, leadership."""
