"""Annual study plans (年度学习计划) of groups, and the targets units are held to."""
