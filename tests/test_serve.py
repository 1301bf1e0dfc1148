"""``softmax-tui --serve``: the flags and their refusals, the startup line, the command each
browser visit runs, and the served dashboard end to end in headless Chromium (Debian's,
driven by Playwright): the page loads, the dashboard draws, a key reaches it and the step
changes. Every server is started in a session of its own and its process group is killed
in teardown, so no dashboard process outlives a test."""

import contextlib
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from softmax_tui.tui.options import parse_options
from softmax_tui.tui.serve import INSTALL_HINT, Listening, child_command, listening, refusal, startup_line
from tests.test_cli_errors import fails

EXE = Path(sys.executable).with_name("softmax-tui")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    """A port nothing listens on now (the kernel's pick for a socket bound to port 0)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- flags and refusals -----------------------------------------------------------------

def test_serving_defaults_to_this_machine_only():
    assert parse_options(["--serve"]).address == ("127.0.0.1", 8000)
    assert parse_options(["--serve", "--host", "::1", "--port", "9001"]).address == ("::1", 9001)
    assert "serve" not in parse_options(["--serve"]).to_dict()  # how it was reached is not the run


@pytest.mark.parametrize("args, expected", [
    (["--host", "0.0.0.0"], "--host applies to --serve only"),
    (["--port", "8001"], "--port applies to --serve only"),
    (["--serve", "--headless"], "--serve serves the dashboard; it cannot be used with --headless"),
    (["--serve", "--port", "0"], "argument --port: must be a port number from 1 to 65535, got '0'"),
    (["--serve", "--port", "65536"], "argument --port: must be a port number from 1 to 65535, got '65536'"),
    (["--serve", "--history", "h.csv"], "--history cannot be used with --serve: every browser visit runs its "
                                        "own dashboard, and they would all write the one file"),
])
def test_serving_flag_mistakes(capsys, args, expected):
    assert fails(capsys, *args) == f"{expected} (see --help)"


def test_a_pipe_is_not_served(capsys, tmp_path):
    fifo = tmp_path / "points.csv"
    os.mkfifo(fifo)
    assert fails(capsys, "--serve", "--dataset", str(fifo)) == (
        f"--serve reads the dataset again for every browser visit; {fifo} is not a regular file "
        "(a pipe is read once): save it to a file first (see --help)")


def test_a_port_in_use_is_refused(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert fails(capsys, "--serve", "--port", str(port)) == (
            f"cannot serve on 127.0.0.1 port {port}: Address already in use")


def test_an_address_this_machine_does_not_have_is_refused(capsys):
    # 192.0.2.0/24 is TEST-NET-1 (RFC 5737): on no machine's interface; binding sends nothing
    assert fails(capsys, "--serve", "--host", "192.0.2.1", "--port", str(free_port())).startswith(
        "cannot serve on 192.0.2.1 port ")


def test_without_textual_serve_the_error_names_the_extra(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)  # importing it now fails
    monkeypatch.delitem(sys.modules, "softmax_tui.tui.webserver", raising=False)
    message = fails(capsys, "--serve", "--port", str(free_port()))
    assert message == f"--serve needs textual-serve, which is not installed: {INSTALL_HINT}"
    assert INSTALL_HINT == "pip install 'softmax-tui[serve]'"


def test_a_data_mistake_is_one_line_before_serving(capsys, tmp_path):
    path = tmp_path / "absent.csv"
    assert fails(capsys, "--serve", "--port", str(free_port()), "--dataset", str(path)) == f"{path}: no such file"


# -- the startup line -------------------------------------------------------------------

def test_startup_line_says_who_can_reach_the_dashboard():
    assert startup_line(Listening("127.0.0.1", 8000, ("127.0.0.1",))) == (
        "softmax-tui: serving the dashboard at http://127.0.0.1:8000 (this machine only); Ctrl+C stops the server")
    assert startup_line(Listening("0.0.0.0", 8000, ("0.0.0.0",))) == (
        "softmax-tui: serving the dashboard on 0.0.0.0 port 8000, every network interface of this machine: "
        "reachable by anyone who can reach this machine's network, with no password (each visit starts a "
        "dashboard process); Ctrl+C stops the server")
    assert startup_line(Listening("192.0.2.7", 8080, ("192.0.2.7",))) == (
        "softmax-tui: serving the dashboard at http://192.0.2.7:8080: reachable by anyone who can reach that "
        "address, with no password (each visit starts a dashboard process); Ctrl+C stops the server")
    ipv6 = Listening("::", 8000, ("::",))
    assert ipv6.every_interface and not ipv6.loopback and ipv6.url == "http://[::]:8000"


def test_localhost_is_this_machine_only():
    port = free_port()
    where = listening("localhost", port)
    assert where.loopback and not where.every_interface
    assert set(where.addresses) <= {"127.0.0.1", "::1"} and "127.0.0.1" in where.addresses
    assert startup_line(where).startswith(f"softmax-tui: serving the dashboard at http://localhost:{port} "
                                          "(this machine only)")


# -- the command each visit runs ----------------------------------------------------------

LOOPBACK = Listening("127.0.0.1", 8000, ("127.0.0.1",))
NETWORK = Listening("0.0.0.0", 8000, ("0.0.0.0",))


@pytest.mark.parametrize("where, host, origin, refused", [
    (LOOPBACK, "127.0.0.1:8000", "http://127.0.0.1:8000", False),  # the page itself
    (LOOPBACK, "localhost:8000", "http://localhost:8000", False),
    (LOOPBACK, "[::1]:8000", "http://[::1]:8000", False),
    (LOOPBACK, "127.0.0.1:8000", None, False),  # a program, not a page
    (LOOPBACK, "127.0.0.1:8000", "https://127.0.0.1:8000", False),  # behind a TLS proxy
    (LOOPBACK, "127.0.0.1:8000", "http://evil.example", True),  # another site's page
    (LOOPBACK, "127.0.0.1:8000", "http://127.0.0.1:9999", True),  # another port is another site
    (LOOPBACK, "127.0.0.1:8000", "null", True),  # a sandboxed page or a file
    (LOOPBACK, "evil.example:8000", "http://evil.example:8000", True),  # DNS rebinding
    (LOOPBACK, "evil.example:8000", None, True),
    (NETWORK, "lab.example:8000", "http://lab.example:8000", False),  # served to the network by name
    (NETWORK, "lab.example:8000", "http://evil.example", True),
])
def test_only_the_served_page_may_use_the_dashboard(where, host, origin, refused):
    assert (refusal(where, host, origin) is not None) == refused


def test_child_command_trains_the_same_run(tmp_path, monkeypatch):
    """The served process gets the run's flags (files as absolute paths, each argument quoted
    for the shell textual-serve runs it with) and none of the serving flags."""
    folder = tmp_path / "my data's"
    folder.mkdir()
    (folder / "a b.csv").write_text("x,label\n0,a\n1,b\n")
    monkeypatch.chdir(folder)
    options = parse_options(["--serve", "--port", "9002", "--host", "localhost", "--dataset", "a b.csv",
                             "--lr", "0.25", "--optimizer", "adam", "--paused", "--save-model", "m.json",
                             "--seed", "3", "--no-standardize"])
    argv = shlex.split(child_command(options))
    assert argv[:3] == [sys.executable, "-m", "softmax_tui.tui"]
    assert parse_options(argv[3:]) == replace(
        options, serve=False, host=None, port=None, save_model=str(folder / "m.json"),
        run=replace(options.run, dataset=str(folder / "a b.csv")))


def test_child_command_keeps_a_race():
    options = parse_options(["--serve", "--compare", "gd,adam:lr=0.05", "--race-loss", "0.2", "--dataset", "iris"])
    argv = shlex.split(child_command(options))
    assert parse_options(argv[3:]) == replace(options, serve=False)


# -- end to end: a server, a browser -----------------------------------------------------

class Served:
    """``softmax-tui --serve`` running in a session of its own (so that it and every
    dashboard it started form one process group); :meth:`kill` ends them all."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen([str(EXE), "--serve", "--port", str(self.port), *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        self.startup = self._line(timeout=60)

    def _line(self, timeout: float) -> str:
        ready, _, _ = select.select([self.proc.stderr], [], [], timeout)
        assert ready, "the server printed nothing"
        return self.proc.stderr.readline().decode()

    def stop(self, signum: int) -> tuple[int, str]:
        """Send ``signum``; the exit status and the rest of stderr once it has ended."""
        self.proc.send_signal(signum)
        _, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, err.decode()

    def group_gone(self, timeout: float = 30) -> bool:
        """True once no process of the server's group is left (its dashboards included)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                return True
            time.sleep(0.1)
        return False

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.communicate(timeout=30)


@pytest.fixture
def rgb20_file(tmp_path, rgb20):
    """Seed 000's twenty points as a CSV in a folder whose name needs quoting in a shell."""
    X, y = rgb20
    folder = tmp_path / "my points"
    folder.mkdir()
    path = folder / "rgb20.csv"
    path.write_text("x1,x2,label\n" + "".join(f"{a},{b},{'rgb'[k]}\n" for (a, b), k in zip(X, y)))
    return path


def fetch(url: str, **headers: str) -> tuple[int, str]:
    """GET ``url`` with ``headers``: the status and the body."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_the_page_follows_the_address_the_browser_used_and_other_sites_are_refused(rgb20_file):
    """The page's script and websocket go back to the host the browser asked for (a server on
    0.0.0.0 is reached by a name or a network address, never by 0.0.0.0). Another site's page
    gets 403 (its Origin), and so does a name that is not this machine's (DNS rebinding); a
    plain GET of the websocket is 400, and none of it prints anything. Ctrl+C then stops the
    server with the command line's status for it."""
    served = Served("--dataset", str(rgb20_file), "--paused")
    try:
        assert served.startup == (f"softmax-tui: serving the dashboard at {served.url} (this machine only); "
                                  "Ctrl+C stops the server\n")
        status, page = fetch(served.url + "/", Host=f"localhost:{served.port}")
        assert status == 200
        assert f'data-session-websocket-url="ws://localhost:{served.port}/ws"' in page
        assert f'src="http://localhost:{served.port}/static/js/textual.js"' in page
        handshake = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                     "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
        assert fetch(served.url + "/ws", Origin="http://evil.example", **handshake) == (
            403, f"softmax-tui: a page from 'http://evil.example' may not open the dashboard served at "
                 f"'127.0.0.1:{served.port}'\n")
        assert fetch(served.url + "/ws", Host=f"evil.example:{served.port}", Origin=f"http://evil.example:{served.port}",
                     **handshake) == (403, f"softmax-tui: Host 'evil.example:{served.port}' is not this machine: "
                                           "the dashboard is served to this machine only\n")
        assert fetch(served.url + "/ws") == (400, "softmax-tui: /ws is the dashboard's websocket\n")
        assert served.stop(signal.SIGINT) == (130, "softmax-tui: interrupted\n")
        assert served.group_gone()
    finally:
        served.kill()


#: Run before the page's own scripts: textual-serve's page keeps its xterm.js Terminal as the
#: ``terminal`` property of its client object (``this.terminal = new Terminal(...)``); a
#: setter on Object.prototype catches that first assignment, makes it an ordinary property
#: again and keeps the terminal as ``window.servedTerminal``, whose buffer holds what the
#: page shows (the renderer draws on a canvas, so the text is in no DOM node).
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && value.buffer.active) window.servedTerminal = value;
  },
});
"""
#: The terminal's screen, one string per row.
SCREEN_TEXT = """() => {
  const t = window.servedTerminal;
  if (!t) return null;
  const rows = [];
  for (let y = 0; y < t.rows; y++) rows.push(t.buffer.active.getLine(y).translateToString(true));
  return rows.join("\\n");
}"""


def shown_step(page) -> int | None:
    """The step the status bar shows, or None before it is drawn."""
    found = re.search(r"│ step (\d+) │", page.evaluate(SCREEN_TEXT) or "")
    return int(found.group(1)) if found else None


def wait_for_step(page, step: int) -> None:
    page.wait_for_function(f"() => ({SCREEN_TEXT})()?.includes('│ step {step} │')", timeout=60_000)


def test_the_dashboard_in_a_browser(rgb20_file):
    """Headless Chromium opens the page, the dashboard draws (paused at step 0), ``n`` typed
    into the page's terminal takes one step (the status bar reads step 1), and SIGTERM with the
    page still open stops the server and the visit's dashboard process."""
    # .ci/run installs chromium and sets SOFTMAX_TUI_BROWSER_TEST=required: there, a missing browser fails
    missing = pytest.fail if os.environ.get("SOFTMAX_TUI_BROWSER_TEST") == "required" else pytest.skip
    if CHROMIUM is None:
        missing("no chromium on PATH (Debian: apt-get install chromium)")
    try:
        from playwright import sync_api
    except ImportError:
        missing("playwright is not installed (the test extra)")
    served = Served("--dataset", str(rgb20_file), "--paused")
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            # the page asks for a web font: only this machine is reached
            page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(served.url)
                       else route.abort())
            page.add_init_script(CATCH_TERMINAL)
            page.goto(served.url + "/")
            wait_for_step(page, 0)
            screen = page.evaluate(SCREEN_TEXT)
            assert "PAUSED" in screen and "rgb20.csv" in screen and "Decision map" in screen
            assert shown_step(page) == 0
            page.focus(".xterm-helper-textarea")  # where xterm.js takes the keyboard
            page.keyboard.press("n")
            wait_for_step(page, 1)
            assert shown_step(page) == 1
            status, err = served.stop(signal.SIGTERM)
            browser.close()
        assert status == 128 + signal.SIGTERM
        assert err == "softmax-tui: stopped by SIGTERM\n"
        assert served.group_gone(), "a dashboard process outlived the server"
    finally:
        served.kill()
