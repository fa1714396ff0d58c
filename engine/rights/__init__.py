"""engine.rights: who may see and do what.

- `authorization`: who sees which path and task, and who may act on it.
- `separation`: separation of duties: nobody decides on their own path.
- `start_rights`: who may start which process (candidate starters).
- `variable_rights`: which process variables a caller may set.
"""
