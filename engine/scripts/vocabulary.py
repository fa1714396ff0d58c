"""The names of the functions diagram scripts and expressions may call, beyond plain Python. Checks at deploy
and the sandbox read the names here; engine.runtime.script_functions binds the functions themselves (it reads
the database) and must offer exactly these."""


FUNCTION_NAMES = ("people", "person_name", "today", "add_days", "notify", "skills_for_role", "track_milestones",
                  "update_milestone")
