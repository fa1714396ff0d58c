"""Serving with gunicorn: several worker processes (each with threads) in front of one database.

Nothing that holds a database connection or runs a thread crosses a fork: the master disposes of its
connection pool before it forks and starts no threads; each worker drops whatever pool it inherited right
after the fork (without closing the master's sockets) and opens its own connections; the embedded timer and
email thread, when wanted, starts in each worker process after it is initialised, never in the master.
"""
from gunicorn.app.base import BaseApplication


class PathingServer(BaseApplication):
    """gunicorn running the Flask app with our settings (no config file needed)."""

    def __init__(self, app, options, in_each_worker=None):
        self.application = app
        self.options = options
        self.in_each_worker = in_each_worker
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        app = self.application
        self.cfg.set("post_fork", lambda server, worker: fresh_connections(app))
        if self.in_each_worker is not None:
            in_each_worker = self.in_each_worker
            self.cfg.set("post_worker_init", lambda worker: in_each_worker())

    def load(self):
        return self.application


def fresh_connections(app):
    """In a process just forked: forget the pool's connections without closing them (they are the parent's
    sockets), so this process opens its own."""
    with app.app_context():
        from .extensions import db
        db.engine.dispose(close=False)


def serve_with_gunicorn(app, host, port, workers, threads=4, in_each_worker=None):
    """Serve until stopped; `in_each_worker` runs in every worker process once it is ready (the embedded timer
    and email thread starts there), never in the master."""
    with app.app_context():
        from .extensions import db
        db.engine.dispose()  # the master's own connections (migrations) are closed before any fork
    PathingServer(app, {"bind": f"{host}:{port}", "workers": workers, "threads": threads,
                        "worker_class": "gthread", "accesslog": None, "timeout": 60,
                        "graceful_timeout": 10}, in_each_worker).run()
