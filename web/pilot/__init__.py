"""HR runs the pilot: cohorts, the skills framework, recognition, analytics and exports. HR only."""
from web.pilot import reports, skills, views  # noqa: F401  (each adds its routes to the blueprint)
from web.pilot.views import bp  # noqa: F401  (registered by web.create_app)
