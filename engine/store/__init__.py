"""engine.store: the database tables and what reads or writes them whole.

- `models`: the org directory (users, groups, tokens) and workflow state (deployments, process versions and
  resources, instances, human tasks, history, notifications, comments, start failures, login failures).
- `pilot_models`: cohorts, the skills framework and tracked milestones.
- `integration_models`: external tasks, event subscriptions, webhooks and their deliveries.
- `database`: settings every connection gets (SQLite foreign keys, PostgreSQL options).
- `backup`: export of every table to one file and import into an empty database.

Importing the package registers every table on the one metadata, so relationships by name always resolve.
"""
from engine.store import integration_models, models, pilot_models  # noqa: F401  (registers the tables)
