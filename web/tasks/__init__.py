"""The inbox and task pages: people see their tasks and complete them through forms."""
from web.tasks import comments, moves, views  # noqa: F401  (each adds its routes to the blueprint)
from web.tasks.views import bp  # noqa: F401  (registered by web.create_app)
