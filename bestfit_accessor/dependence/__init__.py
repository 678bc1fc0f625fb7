"""dependence."""
