"""Where a person goes after logging in: the `next` page they asked for, when it is on this site."""
from urllib.parse import urlsplit

from flask import url_for


def safe_next(target):
    """Only same-site relative paths are followed after login; anything else goes to the inbox.

    Browsers drop tabs and line breaks from addresses and read a backslash as a slash, so `/<tab>/evil.com`
    would leave the site: such characters are refused outright rather than cleaned."""
    if not target or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return url_for("tasks.inbox")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return url_for("tasks.inbox")
    return target
