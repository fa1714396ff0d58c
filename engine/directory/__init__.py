"""engine.directory: the org directory as the engine needs it.

- `org`: people, their managers, groups and absences; the variables the directory gives every path.
- `assignment`: who a user task is for and by when (assignee, candidates, due and follow-up dates).
- `named`: who a diagram names, judged against the directory (unknown people go to the process owners).
- `successors`: who takes over a task from someone who left (their manager, else HR).
- `sign_in`: who someone signed in by the company's identity provider is here (matched by email address).
"""
