"""Career Pathing workflow engine: the only package that imports SpiffWorkflow."""
