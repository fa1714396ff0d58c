"""Who the client is when the app runs behind reverse proxies (a load balancer, nginx).

A proxy puts the client's address in `X-Forwarded-For` (and the scheme in `X-Forwarded-Proto`). Anyone can send
those headers, so they are believed only from proxies the operator trusts: TRUSTED_PROXIES says how many
proxies stand in front of the app (default 0: the headers are ignored and the client is the connection's peer).
With N, werkzeug's ProxyFix takes the Nth address from the right of `X-Forwarded-For`, the one the outermost
trusted proxy saw. Set it only when the app cannot be reached except through those proxies.
"""
from werkzeug.middleware.proxy_fix import ProxyFix


class TrustedProxies:
    """WSGI middleware applying ProxyFix for the configured number of trusted proxies, read per request (so a
    changed setting applies at once)."""

    def __init__(self, app):
        self.app = app
        self.wsgi_app = app.wsgi_app
        self._fixed = {}

    def __call__(self, environ, start_response):
        """Serve a request, its client address and scheme taken from the trusted proxies' headers."""
        count = int(self.app.config.get("TRUSTED_PROXIES") or 0)
        if count <= 0:
            return self.wsgi_app(environ, start_response)
        fixed = self._fixed.get(count)
        if fixed is None:
            fixed = self._fixed[count] = ProxyFix(self.wsgi_app, x_for=count, x_proto=count)
        return fixed(environ, start_response)


def init_app(app):
    """Put the trusted-proxies middleware in front of `app`."""
    app.wsgi_app = TrustedProxies(app)
