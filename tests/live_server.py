"""A live HTTP server for tests that drive the app with real clients (pycamunda, external-task workers)."""
import threading
from contextlib import contextmanager

from requests.auth import HTTPBasicAuth
from werkzeug.serving import make_server


@contextmanager
def live_server(app):
    """Serve `app` on a free local port in a thread; yields its base URL (`http://127.0.0.1:PORT`)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


class EngineRest:
    """The base URL of a live /engine-rest and Basic credentials per person."""

    def __init__(self, base):
        self.url = base + "/engine-rest"

    @staticmethod
    def auth(username):
        return HTTPBasicAuth(username, "demo")

    def call(self, request, username):
        """Send a pycamunda request as `username` and return its result."""
        request.auth = self.auth(username)
        return request()
