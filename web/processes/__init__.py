"""Process administration for process owners: versions, diagrams, sources, deploy, modeler, migration.

Everything here is for members of the process-owners group; others get 403.
Deploys from the upload page, the modeler and the form editor all go through
`engine.diagrams.deployment.deploy`, so they are validated and versioned alike.
"""
from web.processes import editors, migrating, tokens, views  # noqa: F401  (each adds its routes to the blueprint)
from web.processes.views import bp  # noqa: F401  (registered by web.create_app)
