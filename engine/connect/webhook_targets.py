"""Where webhooks may be sent: to other systems, never to this machine or the internal network by default.

A receiver's host is resolved and every address it resolves to must be public: loopback (127.0.0.0/8, ::1),
link-local (169.254.0.0/16, where cloud metadata lives; fe80::/10), private (10/8, 172.16/12, 192.168/16,
fc00::/7), unspecified (0.0.0.0, ::), multicast and reserved addresses are refused, IPv4 written inside IPv6
(::ffff:127.0.0.1) included. This is checked when a webhook is registered and again at each delivery, and the
delivery connects to the very address that was checked (a name that resolves elsewhere a moment later, DNS
rebinding, gains nothing); redirects are not followed.

An admin allows named internal receivers with the setting WEBHOOK_ALLOWED_HOSTS: host names (`hris.internal`),
addresses (`10.0.0.5`) or networks (`10.20.0.0/16`). A host named there is trusted whatever it resolves to; an
address or network allows the addresses it covers.
"""
import http.client
import ipaddress
import re
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
SETTING = "WEBHOOK_ALLOWED_HOSTS"


class TargetRefused(Exception):
    """A webhook address that may not be sent to (or cannot be resolved); the message says why and what to do."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Target:
    """A checked receiver: its scheme, host (as written), port, request path and the addresses to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple


def allowed_hosts(value):
    """The allow-list from a setting: a text of names separated by commas or spaces, or a list of them;
    lower-cased, IPv6 brackets removed."""
    if not value:
        return ()
    names = re.split(r"[,\s]+", value) if isinstance(value, str) else list(value)
    return tuple(name.strip().strip("[]").lower() for name in names if name and name.strip())


def _networks(allowed):
    networks = []
    for name in allowed:
        try:
            networks.append(ipaddress.ip_network(name, strict=False))
        except ValueError:
            continue  # a host name
    return networks


def internal_kind(address):
    """What makes an address internal ("loopback", "link-local", "private", "unspecified", "multicast",
    "reserved", "non-public"), or None for a public address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    for kind, internal in (("unspecified", address.is_unspecified), ("loopback", address.is_loopback),
                           ("link-local", address.is_link_local), ("multicast", address.is_multicast),
                           ("private", address.is_private), ("reserved", address.is_reserved)):
        if internal:
            return kind
    return None if address.is_global else "non-public"


def check_target(url, allowed=()):
    """The Target of a webhook address, resolved now; TargetRefused when it cannot be resolved or resolves to
    an internal address that the allow-list does not allow."""
    allowed = allowed_hosts(allowed)
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        raise TargetRefused("the port of the address is not a number from 1 to 65535") from None
    if not host or port is None:
        raise TargetRefused("give a full http:// or https:// address, e.g. https://hris.example.com/pathing-events")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    addresses = _resolve(host, port)
    if host not in allowed:
        networks = _networks(allowed)
        for address in addresses:
            kind = internal_kind(address)
            if kind and not any(address in network for network in networks if network.version == address.version):
                raise TargetRefused(
                    f"{host} is a {kind} address ({address}): webhooks go to other systems, not to this machine or "
                    f"the internal network. An admin can allow an internal receiver by naming its host in "
                    f"{SETTING}")
    return Target(parts.scheme, host, port, path, tuple(str(address) for address in addresses))


def _resolve(host, port):
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise TargetRefused(f"the host {host} could not be found: check the address") from None
    addresses = []
    for info in infos:
        try:
            address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        except ValueError:
            continue
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise TargetRefused(f"the host {host} could not be found: check the address")
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a host name, connected to an address checked beforehand (the Host header keeps the name)."""

    def __init__(self, target, timeout):
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self):
        self.sock = _connect(self.target, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a host name, connected to an address checked beforehand; the certificate is checked for the
    name."""

    def __init__(self, target, timeout):
        self.tls = ssl.create_default_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self.tls)
        self.target = target

    def connect(self):
        self.sock = self.tls.wrap_socket(_connect(self.target, self.timeout), server_hostname=self.target.host)


def _connect(target, timeout):
    """A socket to the first of the target's checked addresses that answers."""
    error = None
    for address in target.addresses:
        try:
            return socket.create_connection((address, target.port), timeout)
        except OSError as exc:
            error = exc
    raise error


def post(target, body, headers, timeout):
    """POST `body` to a checked Target (no redirect is followed); the HTTP status of the answer."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(64 * 1024)
        return response.status
    finally:
        connection.close()
