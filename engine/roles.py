"""The groups that carry a role in the app itself (not in a diagram): who sees everything, who administers
processes and people. Kept apart so any engine module can name them without importing the rules."""
HR_GROUP = "hr"
PROCESS_OWNER_GROUP = "process-owners"
ADMIN_GROUP = "admins"
WORKER_GROUP = "workers"  # accounts of other systems: external task workers, message and signal senders
