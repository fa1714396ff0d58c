"""Career Pathing workflow engine: the only package that imports SpiffWorkflow; it knows nothing of Flask.

Rooms, from the top layer down (each imports only the rooms below it; `lint-imports` checks it):

- `pilot/`     HR's pilot: cohorts, analytics, the skills framework import.
- `runtime/`   running paths: start, complete, timers, migration, task moves, the timer worker.
- `connect/`   paths and other systems: external tasks, messages and signals, webhooks, notifications.
- `rights/`    who may see, do, start and set what; separation of duties.
- `diagrams/`  reading diagrams: parse, check, validate, deploy, bind, DMN, time values and cron, parsed specs.
- `forms/`     form-js forms, Camunda generated and embedded forms, conditional requirements.
- `directory/` the org directory: people, managers, groups, who a diagram assigns.
- `scripts/`   the languages diagrams are written in: JUEL, FEEL, restricted Python (sandboxed), JavaScript.
- `store/`     the database tables, connection settings, backup.

Beside them: `errors` (domain errors with their HTTP status), `context` (the clock and the running path, for
code SpiffWorkflow calls), `roles` (the groups with a role in the app), `json_limits` (how deep JSON may nest).
"""
