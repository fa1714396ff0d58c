"""engine.people: changes to the org directory that running paths and open tasks follow.

- `leavers`: a person deactivated can no longer sign in; their open tasks are handed over (manager, else HR).
- `movers`: a new manager takes over the manager steps and the `manager` variable of running paths.
- `csv_import`: the directory from a CSV file, all or nothing, every problem by line and column.
- `provisioning`: the directory kept by an identity provider through SCIM (web/scim); its deactivations and
  manager changes go through `leavers` and `movers`; provisioning tokens.
"""
