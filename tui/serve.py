"""``softmax-tui --serve``: the dashboard in a web browser, served by textual-serve.

textual-serve runs a shell command for every browser visit and relays the terminal it draws
to xterm.js in the page. The command here is ``python -m softmax_tui.tui`` with the run's own
flags (:func:`child_command`), so each visit trains the run the command line describes.

Before anything listens, the address is resolved and the port tried (:func:`listening`), so
a name that does not resolve, an address this machine does not have or a port in use is one
line and exit status 2. The startup line (:func:`startup_line`) says plainly who can reach
the dashboard: the loopback address is this machine only; any other is the network's.

textual-serve (the ``serve`` extra) is imported only here, on the ``--serve`` path.
"""

from __future__ import annotations

import ipaddress
import os
import shlex
import socket
import sys
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from softmax_tui.datasets import is_table_path

from .errors import UserError
from .options import Options

#: What a missing ``serve`` extra says.
INSTALL_HINT = "pip install 'softmax-tui[serve]'"


@dataclass(frozen=True)
class Listening:
    """Where the server listens: the host as given, the port, and the IP addresses the host
    stands for (a name such as ``localhost`` may stand for ``127.0.0.1`` and ``::1``)."""

    host: str
    port: int
    addresses: tuple[str, ...]

    @property
    def loopback(self) -> bool:
        """True when every address is a loopback one (127.0.0.0/8, ::1): this machine only."""
        return all(map(_is_loopback, self.addresses))

    @property
    def every_interface(self) -> bool:
        """True when an address is the unspecified one (0.0.0.0, ::): every network interface."""
        return any(ipaddress.ip_address(a).is_unspecified for a in self.addresses)

    @property
    def url(self) -> str:
        """``http://host:port``, an IPv6 address in brackets (RFC 3986, section 3.2.2)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def listening(host: str, port: int) -> Listening:
    """Resolve ``host`` and check that ``port`` is free on each of its addresses, by binding
    a socket there (with SO_REUSEADDR, as the server will) and closing it; nothing is sent.

    Raises UserError (one line) when the name does not resolve, the address is not this
    machine's, or the port is in use or needs privileges."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (socket.gaierror, UnicodeError) as e:
        raise UserError(f"--host {host}: not an address this machine can listen on "
                        f"({getattr(e, 'strerror', None) or e})") from None
    addresses = tuple(dict.fromkeys(info[4][0] for info in found))
    for family, _, _, _, sockaddr in found:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(sockaddr)
            except OSError as e:
                raise port_refused(host, port, e) from None
    return Listening(host, port, addresses)


def port_refused(host: str, port: int, error: OSError) -> UserError:
    """The one line for a port the server cannot listen on (in use, or privileged)."""
    return UserError(f"cannot serve on {host} port {port}: {error.strerror}")


def startup_line(where: Listening) -> str:
    """The line the server prints when it starts: the address to open and who can reach it."""
    stop = "Ctrl+C stops the server"
    if where.loopback:
        return f"softmax-tui: serving the dashboard at {where.url} (this machine only); {stop}"
    if where.every_interface:
        place = f"on {where.host} port {where.port}, every network interface of this machine"
        who = "anyone who can reach this machine's network"
    else:
        place, who = f"at {where.url}", "anyone who can reach that address"
    return (f"softmax-tui: serving the dashboard {place}: reachable by {who}, with no password "
            f"(each visit starts a dashboard process); {stop}")


def refusal(where: Listening, host: str, origin: str | None) -> str | None:
    """Why a request must be refused (answered 403), or None to serve it.

    ``host`` is the request's ``Host`` header and ``origin`` its ``Origin`` header (None when
    absent: a program, not a page). Two rules keep other web sites out of the dashboard:

    - a page may only talk to the server it was loaded from: an ``Origin`` (which browsers
      send with every websocket handshake) must be ``http(s)://`` + ``Host``, so a page from any
      other site cannot open a dashboard ("cross-site WebSocket hijacking");
    - on the loopback address the ``Host`` must name this machine (``localhost``, a loopback
      address, or the ``--host`` given), so a site whose name is made to resolve to 127.0.0.1
      is still another site ("DNS rebinding").

    Sources: RFC 6455 section 10.2 (origin considerations) and the OWASP WebSocket Security
    Cheat Sheet (checking the Origin header)."""
    name = urlsplit(f"//{host}").hostname or ""
    if where.loopback and name != where.host.lower() and name != "localhost" and not _is_loopback(name):
        return f"Host {host!r} is not this machine: the dashboard is served to this machine only"
    page = urlsplit(origin or "")
    if origin is not None and (page.scheme not in ("http", "https") or page.netloc.lower() != host.lower()):
        return f"a page from {origin!r} may not open the dashboard served at {host!r}"
    return None


def _is_loopback(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def child_command(options: Options) -> str:
    """The shell command textual-serve runs for each visit: this Python running
    ``-m softmax_tui.tui`` with the run's flags (:meth:`~.config.RunConfig.to_argv`) and the
    dashboard's own (``--save-model``, ``--paused``, ``--compare``, ``--race-loss``), without
    the serving flags; file paths made absolute, each argument quoted (:func:`shlex.join`)."""
    run = options.run
    run = replace(run, dataset=os.path.abspath(run.dataset) if is_table_path(run.dataset) else run.dataset,
                  load_model=run.load_model and os.path.abspath(run.load_model))
    argv = run.to_argv()
    if options.save_model:
        argv.append(f"--save-model={os.path.abspath(options.save_model)}")
    if options.paused:
        argv.append("--paused")
    if options.compare is not None:
        argv.append(f"--compare={options.compare}")
    if options.race_loss is not None:
        argv.append(f"--race-loss={options.race_loss!r}")
    return shlex.join([sys.executable, "-m", "softmax_tui.tui", *argv])


def open_server(options: Options):
    """The server for ``options`` (a :class:`~.webserver.DashboardServer`, not yet started).

    Raises UserError when textual-serve is not installed (naming :data:`INSTALL_HINT`) or
    when :func:`listening` refuses the address."""
    try:
        from .webserver import DashboardServer
    except ModuleNotFoundError as e:
        if (e.name or "").partition(".")[0] == "softmax_tui":
            raise
        raise UserError(f"--serve needs textual-serve, which is not installed: {INSTALL_HINT}") from None
    return DashboardServer(child_command(options), listening(*options.address))
