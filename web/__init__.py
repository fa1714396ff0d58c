"""Career Pathing web application: the Flask app factory."""
import os

from flask import Flask

from .config import PROJECT_ROOT, load_config
from .extensions import csrf, db, login_manager, migrate


def create_app(config=None):
    """Build the app: configuration from the environment, then `config` overrides."""
    app = Flask(__name__, instance_path=os.environ.get("PATHING_INSTANCE", os.path.join(PROJECT_ROOT, "instance")))
    load_config(app)
    if config:
        app.config.update(config)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(PROJECT_ROOT, "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    from . import converters
    converters.init_app(app)

    from . import (account, admin, auth, errors, health, paths, pilot, processes, retries, security, tasks, vendor,
                   webhooks)
    from . import engine_rest
    from .api import init_api

    from .auth import oidc
    app.register_blueprint(auth.bp)
    app.register_blueprint(oidc.bp)
    oidc.init_app(app)
    app.register_blueprint(account.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(pilot.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(paths.bp)
    app.register_blueprint(processes.bp)
    app.register_blueprint(webhooks.bp)
    app.register_blueprint(engine_rest.bp)
    app.register_blueprint(vendor.bp)
    app.register_blueprint(health.bp)
    api = init_api(app)
    from .engine_rest.openapi import document
    from .engine_rest.openapi_connect import connect_paths
    document(api, extra_paths=connect_paths())  # /engine-rest in the same OpenAPI document
    errors.init_app(app)
    security.init_app(app)
    retries.init_app(app)
    app.jinja_env.globals["app_name"] = "Career Pathing"
    from .templating import init_templating
    init_templating(app)
    return app
