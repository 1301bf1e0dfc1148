"""textual-serve's :class:`~textual_serve.server.Server`, fitted to the command line: our own
startup line once the port is bound (instead of its banner, printed before), warnings only
on stderr (no access log), the page's links taken from the address the browser used, open
pages ended at once on shutdown, and a stop by signal reported as the rest of the command
line reports one. Imported only by :func:`.serve.open_server`."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web
from aiohttp.web_runner import GracefulExit
from textual_serve.server import Server

from .serve import Listening, port_refused, refusal, startup_line
from .signals import STOP_SIGNALS, Stopped


class DashboardServer(Server):
    """Serves ``command`` (one process per browser visit) on ``where``."""

    def __init__(self, command: str, where: Listening) -> None:
        super().__init__(command, host=where.host, port=where.port, title="softmax-tui")
        self.where = where
        #: The signal that stopped the server, once one has.
        self.stopped_by: int | None = None
        #: The tasks serving a visit's websocket (each relays one dashboard process).
        self._visits: set[asyncio.Task] = set()

    def run(self) -> int:
        """Serve until a signal stops the server; then every visit's process has been told to
        quit and has ended. The startup line comes once the server listens. Raises
        KeyboardInterrupt after SIGINT (Ctrl+C) and :class:`~.signals.Stopped` after SIGTERM
        or SIGHUP, which the command line turns into its one line and exit status 130, 143 or
        129; a UserError if the port was taken since :func:`~.serve.listening` tried it.

        This is textual-serve's ``Server.serve`` with aiohttp's hook for "listening now"
        (``print``) in place of its banner, which it prints before the port is bound."""
        self.initialize_logging()
        try:
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False,
                        print=self._listening)
        except OSError as e:
            raise port_refused(self.where.host, self.where.port, e) from None
        if self.stopped_by == signal.SIGINT:
            raise KeyboardInterrupt
        if self.stopped_by is not None:
            raise Stopped(self.stopped_by)
        return 0

    def _listening(self, _banner: str) -> None:
        sys.stderr.write(startup_line(self.where) + "\n")
        sys.stderr.flush()

    def initialize_logging(self) -> None:
        """Warnings and errors only (a visit whose process failed to start), one line each on
        stderr; textual-serve's own handler would log every request. asyncio's warning that
        a visit's process ended after the event loop closed (it is reaped all the same: its
        output had already ended when the server stopped) is left out."""
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="softmax-tui: serve: %(message)s")
        logging.getLogger("asyncio").setLevel(logging.ERROR)

    async def on_startup(self, app: web.Application) -> None:
        """Take over SIGINT, SIGTERM and SIGHUP, noting which one stops the server (in place
        of textual-serve's banner)."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, *STOP_SIGNALS):
            loop.add_signal_handler(signum, self._stop, signum)

    async def on_shutdown(self, app: web.Application) -> None:
        """End every visit now: its task cancelled, textual-serve tells its process to quit,
        waits for its output to end and closes the websocket. (aiohttp would otherwise wait up
        to its shutdown timeout, 60 s, for these never-ending requests.)"""
        visits = list(self._visits)
        for task in visits:
            task.cancel()
        await asyncio.gather(*visits, return_exceptions=True)

    async def _make_app(self) -> web.Application:
        """textual-serve's application, every request first checked by :meth:`_check`."""
        app = await super()._make_app()
        app.middlewares.append(self._check)
        return app

    @web.middleware
    async def _check(self, request: web.Request, handler):
        """A request another site's page makes (its Origin or Host, :func:`~.serve.refusal`)
        is answered 403 Forbidden, with the reason, and goes no further."""
        why = refusal(self.where, request.host, request.headers.get("Origin"))
        if why is not None:
            return web.Response(status=403, text=f"softmax-tui: {why}\n")
        return await handler(request)

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """textual-serve's websocket handler, its task noted for :meth:`on_shutdown`; a
        request that is not a websocket handshake is answered 400 Bad Request (textual-serve
        would log two tracebacks for it)."""
        if not web.WebSocketResponse().can_prepare(request).ok:
            return web.Response(status=400, text="softmax-tui: /ws is the dashboard's websocket\n")
        task = asyncio.current_task()
        self._visits.add(task)
        try:
            return await super().handle_websocket(request)
        finally:
            self._visits.discard(task)

    def _stop(self, signum: int) -> None:
        """The first signal starts the shutdown; one more while it runs (a second Ctrl+C)
        would cut it short and leave dashboard processes behind, so it is ignored."""
        if self.stopped_by is None:
            self.stopped_by = signum
            raise GracefulExit()

    async def handle_index(self, request: web.Request):
        """The page, its script, style and websocket addressed to the host the browser asked
        for (its ``Host`` header), so that a server on 0.0.0.0 or on a name works from
        wherever it is reached. textual-serve builds them from ``public_url`` before its
        first ``await``, so setting it here cannot mix two requests up."""
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)
