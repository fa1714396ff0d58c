"""engine.runtime: running paths.

- `runner`: `Runtime`, the one place that restores, runs and stores workflows (start, complete, retry, timers).
- `inbox_rows`: the human_task rows kept in step with a workflow's ready user tasks.
- `task_actions`: claim, release, delegate, hand back; `task_view`, `task_subject`, `task_notices`: what a
  task page and its messages say.
- `timers` and `worker`: timers a workflow waits for, and the worker that fires them and sends what waits.
- `migration`: moving running paths to a newer version; `instance_admin`: cancel, change variables, undeploy.
- `start_failures`: starts that failed, for HR to start again; `comments`: comments on paths and tasks.
- `script_functions` and `milestones`: the functions diagrams call, bound to the database.
"""
