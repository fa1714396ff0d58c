"""People administration for admins: the org directory (managers, departments, groups) and accounts; people
from a CSV file (engine/people/csv_import.py), all or nothing."""
from web.admin import provisioning, views  # noqa: F401  (each adds its routes to the blueprint)
from web.admin.views import bp  # noqa: F401  (registered by web.create_app)
