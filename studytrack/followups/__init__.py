"""Follow-up tasks (工作部署 / 督办事项) assigned at sessions, and each person's task list."""
