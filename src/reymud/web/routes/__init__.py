"""API routes of the dashboard, one module per resource."""
