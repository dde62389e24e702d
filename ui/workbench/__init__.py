"""Layout pieces of the SQL workbench page (widgets only; decisions live in portal.workbench)."""
