"""Webhooks go to other systems: an address on this machine or the internal network is refused when registered
and again when sent (after DNS resolution, connecting only to the address checked, following no redirect), unless
an admin allows the host in WEBHOOK_ALLOWED_HOSTS. No test here sends anything beyond loopback: host names are
resolved by a stand-in for socket.getaddrinfo."""
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import threading

import pytest
import sqlalchemy as sa

from engine.store.integration_models import Webhook, WebhookDelivery
from engine.connect.webhook_targets import TargetRefused, check_target
from engine.connect.webhooks import add_webhook, deliver_webhooks
from web.extensions import db

PUBLIC = "93.184.216.34"  # a public address: registrations may resolve to it; nothing is ever sent there


@pytest.fixture
def no_allowed_hosts(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ())


@pytest.fixture
def dns(monkeypatch):
    """Host names resolved from this dict (name -> address); other names as the system resolves them."""
    names = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in names:
            family = socket.AF_INET6 if ":" in names[host] else socket.AF_INET
            return [(family, socket.SOCK_STREAM, 6, "", (names[host], port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


@pytest.fixture
def connections(monkeypatch):
    """Every address a delivery connects to (the real connection is made: only loopback is ever reached)."""
    made = []
    real = socket.create_connection

    def create_connection(address, *args, **kwargs):
        made.append(address[0])
        assert address[0] in ("127.0.0.1", "::1"), f"a test tried to connect to {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return made


class Receiver:
    """A loopback HTTP receiver answering `status` (with `location` as Location) and recording each request."""

    def __init__(self, status=204, location=None):
        self.status, self.location, self.requests = status, location, []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                receiver.requests.append((self.command, self.path, self.headers["Host"], self.rfile.read(length)))
                self.send_response(receiver.status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_POST = do_GET = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.mark.parametrize("url, kind", [
    ("http://127.0.0.1:5000/admin/users", "loopback"),
    ("http://localhost/hook", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[::1]:22/", "loopback"),
    ("http://0.0.0.0:5432/", "unspecified"),
    ("http://10.0.0.5/hook", "private"),
    ("http://192.168.1.1/hook", "private"),
    ("http://[::ffff:127.0.0.1]:5000/", "loopback"),
    ("http://[fe80::1]/hook", "link-local"),
])
def test_internal_targets_are_refused_when_registered(act, no_allowed_hosts, url, kind):
    response = act.as_("hana").post("/processes/webhooks/", data={"url": url, "events": ["path.started"]})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and f"is a {kind} address" in text and "WEBHOOK_ALLOWED_HOSTS" in text
    assert db.session.scalars(sa.select(Webhook)).all() == []


def test_a_name_is_judged_by_the_addresses_it_resolves_to(org, dns):
    dns.update({"hris.example.com": "10.1.2.3", "hooks.example.com": PUBLIC, "meta.example.com": "169.254.169.254"})
    for host, kind in (("hris.example.com", "private"), ("meta.example.com", "link-local")):
        with pytest.raises(TargetRefused, match=f"{host} is a {kind} address"):
            check_target(f"https://{host}/events")
    assert check_target("https://hooks.example.com/events?x=1").addresses == (PUBLIC,)
    with pytest.raises(TargetRefused, match="could not be found"):
        check_target("https://no-such-host.invalid/events")
    webhook = add_webhook(db.session, "https://hooks.example.com/events", ["path.started"], created_by=org["hana"])
    assert webhook.id  # a public receiver registers


def test_a_name_that_resolves_inside_by_delivery_time_is_not_sent_to(act, dns, connections):
    dns["hooks.example.com"] = PUBLIC
    add_webhook(db.session, "http://hooks.example.com/events", ["path.started"])
    db.session.commit()
    act.start_path("ada")
    dns["hooks.example.com"] = "127.0.0.1"  # DNS rebinding: the name now points at this machine
    assert deliver_webhooks(db.session) == 0
    delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
    db.session.refresh(delivery)
    assert delivery.status == "pending" and delivery.attempts == 1  # tried again later, checked again then
    assert delivery.last_error.startswith("not sent: hooks.example.com is a loopback address (127.0.0.1)")
    assert connections == []


def test_an_admin_allows_a_named_internal_host_and_the_delivery_goes_to_the_address_checked(
        act, dns, connections, receiver):
    dns["receiver.internal"] = "127.0.0.1"
    url = f"http://receiver.internal:{receiver.port}/events"
    with pytest.raises(TargetRefused):
        check_target(url)
    add_webhook(db.session, url, ["path.started"], allowed_hosts="receiver.internal, 10.20.0.0/16")
    db.session.commit()
    act.start_path("ada")
    assert deliver_webhooks(db.session, allowed_hosts=("receiver.internal",)) == 1
    assert connections == ["127.0.0.1"]
    (method, path, host, body), = receiver.requests
    assert (method, path, host) == ("POST", "/events", f"receiver.internal:{receiver.port}")
    assert b'"event": "path.started"' in body
    assert check_target("http://10.20.3.4/x", allowed=["10.20.0.0/16"]).addresses == ("10.20.3.4",)
    with pytest.raises(TargetRefused, match="10.21.0.1"):
        check_target("http://10.21.0.1/x", allowed=["10.20.0.0/16"])


def test_a_redirect_is_not_followed(act, receiver, connections):
    receiver.status, receiver.location = 302, f"http://127.0.0.1:{receiver.port}/admin/users"
    add_webhook(db.session, f"http://127.0.0.1:{receiver.port}/events", ["path.started"], allowed_hosts=["127.0.0.1"])
    db.session.commit()
    act.start_path("ada")
    assert deliver_webhooks(db.session, allowed_hosts=["127.0.0.1"]) == 0
    assert [(method, path) for method, path, _host, _body in receiver.requests] == [("POST", "/events")]
    delivery = db.session.scalars(sa.select(WebhookDelivery)).one()
    db.session.refresh(delivery)
    assert delivery.response_status == 302 and "redirects are not followed" in delivery.last_error


def test_the_webhooks_page_says_which_internal_hosts_are_allowed(act, monkeypatch, app):
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOWED_HOSTS", ("hris.internal",))
    page = act.as_("hana").get("/processes/webhooks/").get_data(as_text=True)
    assert "<code>hris.internal</code>" in page and "WEBHOOK_ALLOWED_HOSTS" in page
