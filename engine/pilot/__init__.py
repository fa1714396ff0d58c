"""engine.pilot: HR's pilot of career pathing.

- `cohorts`: who is in a round, starting their paths together, asking for feedback.
- `analytics`: figures from the task, milestone and cohort tables (never from workflow state).
- `skills_import`: the skills framework from a CSV file.
"""
