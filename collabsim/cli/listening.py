"""Where a server of the command line may listen: the port given if it is free, any free one for
0, else one clear line (the classroom app and class mode)."""

from __future__ import annotations

import socket

from collabsim.errors import CollabsimInputError


def listening_port(host: str, port: int) -> int:
    """The port a server can listen on at host: the one given if it is free, any free one for
    0; else one clear CollabsimInputError (port out of range, unknown host, port taken)."""
    if not 0 <= port <= 65535:
        raise CollabsimInputError(f"--port {port}: a port is 0..65535 (0: any free port)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, ValueError):
        raise CollabsimInputError(f"--host {host!r}: not a known address") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(addr)
        except OSError as exc:
            raise CollabsimInputError(
                f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port"
            ) from None
        return sock.getsockname()[1]
