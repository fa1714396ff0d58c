"""HTTP Basic credentials verified a moment ago, remembered for a short while, so that a client sending them with
every request (a worker long-polling, a script) costs one password hash a minute rather than one a request.

- The key is an HMAC-SHA256, under the app's SECRET_KEY, of the username and password: neither the password
  nor anything that could be checked against a guess without the secret is kept.
- An entry holds the user's id, a digest of their password hash and their session version at the time of the
  check, and when it expires (`BASIC_AUTH_CACHE_SECONDS`, 60 by default; 0 turns the cache off).
- A remembered entry counts only while the user's row still has that password hash and session version and the
  user is active: a changed password, a logout (everywhere) or a deactivation ends it at once, in every process,
  even one that was not told. `forget(user)` also drops this process's entries of that user.
- Only successes are remembered. A wrong password is checked (and counted toward the lockout) every time, and
  a locked-out account is refused before any remembered entry is looked at (web/auth `authenticate`).

The store is per process (each gunicorn worker keeps its own, at most `MAX_ENTRIES`); a second process checks
the password once more, which is the cost before this cache, no more.
"""
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass

from flask import current_app

MAX_ENTRIES = 1024
EXTENSION = "verified_credentials"


@dataclass(frozen=True)
class _Entry:
    user_id: int
    password_digest: bytes
    session_version: int
    expires_at: float


def _digest(password_hash):
    return hashlib.sha256((password_hash or "").encode("utf-8")).digest()


class VerifiedCredentials:
    """Credentials whose password check succeeded within `lifetime` seconds (a clock in seconds, injectable)."""

    def __init__(self, secret, lifetime, clock=time.monotonic, max_entries=MAX_ENTRIES):
        self._secret = secret.encode("utf-8") if isinstance(secret, str) else bytes(secret)
        self.lifetime = lifetime
        self.clock = clock
        self.max_entries = max_entries
        self._entries = {}
        self._lock = threading.Lock()

    def _key(self, username, password):
        message = f"{len(username)}:{username}:{password}".encode("utf-8", "surrogatepass")
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def recall(self, username, password, user):
        """True when these credentials were verified for `user` a short while ago and the user's row still holds
        the same password hash and session version and is active; a stale entry is dropped."""
        if self.lifetime <= 0 or user is None:
            return False
        key = self._key(username, password)
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return False
            fresh = (entry.expires_at > self.clock() and entry.user_id == user.id and user.active
                     and entry.session_version == (user.session_version or 1)
                     and hmac.compare_digest(entry.password_digest, _digest(user.password_hash)))
            if not fresh:
                del self._entries[key]
            return fresh

    def remember(self, username, password, user):
        """Note that the password check of these credentials succeeded for `user` just now."""
        if self.lifetime <= 0:
            return
        key = self._key(username, password)
        now = self.clock()
        entry = _Entry(user.id, _digest(user.password_hash), user.session_version or 1, now + self.lifetime)
        with self._lock:
            self._entries.pop(key, None)
            if len(self._entries) >= self.max_entries:
                self._entries = {k: e for k, e in self._entries.items() if e.expires_at > now}
                while len(self._entries) >= self.max_entries:
                    self._entries.pop(next(iter(self._entries)))  # the oldest
            self._entries[key] = entry

    def forget(self, user_id):
        """Drop every entry of this user (their password changed, they logged out everywhere or left)."""
        with self._lock:
            self._entries = {k: e for k, e in self._entries.items() if e.user_id != user_id}

    def __len__(self):
        return len(self._entries)


def verified_credentials(app=None):
    """The current app's store (made on first use from SECRET_KEY and BASIC_AUTH_CACHE_SECONDS)."""
    app = app or current_app._get_current_object()
    store = app.extensions.get(EXTENSION)
    if store is None:
        store = app.extensions.setdefault(EXTENSION, VerifiedCredentials(
            app.secret_key or "", float(app.config.get("BASIC_AUTH_CACHE_SECONDS", 60))))
    return store


def forget(user):
    """Drop this process's remembered credentials of `user`."""
    if user is not None and user.id is not None:
        verified_credentials().forget(user.id)
