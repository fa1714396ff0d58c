"""Before serving: make sure the chosen address is free, so a taken port gives one clear line, not a trace."""
import errno
import socket


class PortTaken(Exception):
    """The host and port to serve on are in use by another program."""

    def __init__(self, host, port):
        self.host, self.port = host, port
        other = port + 1 if port < 65535 else 5001
        super().__init__(f"Port {port} on {host} is taken by another program; choose another port, e.g. "
                         f"PORT={other} make run (or pathing serve --port {other}).")


def check_port_free(host, port):
    """Raise PortTaken when nothing could listen on (host, port) because something else does already."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is not "taken"
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise PortTaken(host, port) from None
            raise
