"""Leadership dashboards: figures for a unit and everything below it, against its targets."""
