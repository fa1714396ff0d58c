"""Serving with gunicorn: several worker processes (each with threads) in front of one database."""
from gunicorn.app.base import BaseApplication


class PathingServer(BaseApplication):
    """gunicorn running the Flask app with our settings (no config file needed)."""

    def __init__(self, app, options, on_ready=None):
        self.application = app
        self.options = options
        self.on_ready = on_ready
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if self.on_ready is not None:
            on_ready = self.on_ready
            self.cfg.set("when_ready", lambda server: on_ready())

    def load(self):
        return self.application


def serve_with_gunicorn(app, host, port, workers, threads=4, on_ready=None):
    """Serve until stopped; `on_ready` runs once in the master process (the timer worker thread lives there)."""
    # Connections are made per worker process after the fork, never shared.
    with app.app_context():
        from .extensions import db
        db.engine.dispose()
    PathingServer(app, {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                        "worker_class": "gthread", "accesslog": None, "timeout": 60,
                        "graceful_timeout": 10}, on_ready).run()
