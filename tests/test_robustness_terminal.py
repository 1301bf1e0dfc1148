"""Issue 6, robustness: ``q`` and ``Ctrl+C`` give the terminal back as it was.

The installed ``softmax-tui`` runs in a real pseudo-terminal (100x30, TERM=xterm-256color,
the terminal it controls, so that Ctrl+C reaches it as a user's would): the dashboard draws
its first frame, gets ``q`` or ``Ctrl+C`` (a ``\\x03`` byte, which it reads as a key in raw
mode), and must exit 0 at once; the last things it writes leave the alternate screen, show
the cursor and turn off mouse tracking, bracketed paste and focus events (what Textual's
Linux driver writes when it stops); the terminal's termios attributes afterwards equal those
before (echo, canonical input and the rest); the model asked for with ``--save-model`` is
saved and said so, on the normal screen.

``--headless`` in the same terminal gets a real Ctrl+C from the line discipline (SIGINT),
keeps its work and exits 130; tests/test_cli_errors.py::test_ctrl_c_keeps_the_work and
test_sigterm_keeps_the_work check the same with signals sent directly.
"""

import contextlib
import errno
import fcntl
import json
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable
from pathlib import Path

import pytest

EXE = Path(sys.executable).with_name("softmax-tui")
COLUMNS, ROWS = 100, 30
TIMEOUT = 60  # only against a hang; nothing here is timed
CSI = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]")
#: Private modes Textual's driver turns on, and must turn off again: mouse tracking (1000,
#: 1003, 1015, 1006), bracketed paste (2004), focus events (1004), the alternate screen (1049).
MODES = (1000, 1003, 1015, 1006, 2004, 1004, 1049)


def _as_in_a_terminal() -> None:
    """In the child: this pty as its controlling terminal, and Ctrl+C's default action, as a
    shell gives a foreground job (a test runner started in the background ignores SIGINT, and
    children inherit that)."""
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class Terminal:
    """A pseudo-terminal of a fixed size running ``argv`` as its controlling process."""

    def __init__(self, argv: list[str], cwd: Path) -> None:
        try:
            self.master, self.slave = os.openpty()
        except OSError as e:
            pytest.skip(f"no pseudo-terminal available here ({e})")
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        self.before = termios.tcgetattr(self.slave)
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
        env["TERM"] = "xterm-256color"
        self.output = bytearray()
        self.proc = subprocess.Popen(
            argv, stdin=self.slave, stdout=self.slave, stderr=self.slave, cwd=cwd, env=env,
            start_new_session=True,  # its own session, with this terminal as its controlling one
            preexec_fn=_as_in_a_terminal)

    def attributes(self) -> list:
        return termios.tcgetattr(self.slave)

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], wait)
        if not ready:
            return False
        try:
            chunk = os.read(self.master, 1 << 16)
        except OSError as e:  # EIO: no process has the terminal open any more
            if e.errno == errno.EIO:
                return False
            raise
        self.output += chunk
        return bool(chunk)

    def read_until(self, marker: bytes) -> None:
        self.read_until_true(lambda: marker in self.output, repr(marker))

    def read_until_true(self, done: Callable[[], bool], what: str) -> None:
        """Read until ``done()`` says the output holds ``what``."""
        deadline = time.monotonic() + TIMEOUT
        while not done():
            assert self.proc.poll() is None, f"exited ({self.proc.returncode}) before {what}:\n{self.text()}"
            assert time.monotonic() < deadline, f"no {what} within {TIMEOUT} s:\n{self.text()}"
            self._read(0.1)

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def wait(self) -> int:
        """The exit status, reading everything written until then (a full terminal would block it)."""
        deadline = time.monotonic() + TIMEOUT
        while self.proc.poll() is None:
            assert time.monotonic() < deadline, f"still running {TIMEOUT} s later:\n{self.text()}"
            self._read(0.1)
        while self._read(0):
            pass
        return self.proc.returncode

    def text(self) -> str:
        return self.output.decode("utf-8", "replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture
def terminal(tmp_path):
    opened = []

    def start(*args: str) -> Terminal:
        opened.append(Terminal([str(EXE), *args], tmp_path))
        return opened[-1]

    yield start
    for t in opened:
        t.close()


def last(output: bytes, sequence: str) -> int:
    return output.rfind(sequence.encode())


@pytest.mark.parametrize("key", [b"q", b"\x03"], ids=["q", "ctrl+c"])
def test_quitting_the_dashboard_restores_the_terminal(terminal, tmp_path, key):
    model = tmp_path / "m.json"
    term = terminal("--save-model", str(model))
    term.read_until(b"RUNNING")  # the first frame: the status bar
    during = term.attributes()
    lflag = during[3]
    assert not lflag & termios.ECHO and not lflag & termios.ICANON  # raw while the dashboard runs
    assert during != term.before
    term.type(key)
    assert term.wait() == 0, term.text()
    assert term.attributes() == term.before  # echo, canonical input, signals, output processing
    output = bytes(term.output)
    for mode in MODES:  # every mode turned on was turned off again, after it was last turned on
        assert last(output, f"\x1b[?{mode}h") >= 0, mode
        assert last(output, f"\x1b[?{mode}l") > last(output, f"\x1b[?{mode}h"), mode
    assert last(output, "\x1b[?25h") > last(output, "\x1b[?25l")  # the cursor is shown
    # after leaving the alternate screen: control sequences and the one line about the model
    after = output[last(output, "\x1b[?1049l"):]
    assert CSI.sub(b"", after).decode() == f"softmax-tui: model saved to {model}\r\n"
    saved = json.loads(model.read_text())
    assert saved["format"] == "softmax-tui-model" and saved["config"]["trained"]["step"] >= 0


def test_ctrl_c_in_the_terminal_stops_headless_keeping_the_work(terminal, tmp_path):
    history, model = tmp_path / "h.csv", tmp_path / "m.json"
    term = terminal("--headless", "--dataset", "blobs", "--optimizer", "sgd", "--epochs", "100000",
                    "--history", str(history), "--save-model", str(model))
    term.read_until(b'"event": "progress"')
    term.type(b"\x03")  # the line discipline turns it into SIGINT for the foreground process group
    assert term.wait() == 130
    assert term.attributes() == term.before
    text = term.text()
    assert "Traceback" not in text
    stopped = re.search(r"softmax-tui: interrupted at step (\d+) \(epoch (\d+)\), loss \S+; "
                        rf"history in {re.escape(str(history))}, model saved to {re.escape(str(model))}\r\n$", text)
    assert stopped, text
    step = int(stopped.group(1))
    assert json.loads(model.read_text())["config"]["trained"]["step"] == step
    assert history.read_text().splitlines()[-1].startswith(f"{step},{stopped.group(2)},")


def test_names_from_a_file_never_reach_the_terminal_as_control_bytes(terminal, tmp_path):
    """Issue 11: a CSV's class and column names holding escape sequences, shown escaped."""
    title, clear, clipboard = "\x1b]0;PWNED\x07", "\x1b[2J", "\x1b]52;c;cHduZWQ=\x1b\\"
    data = tmp_path / f"d{title}.csv"
    data.write_text(f'"x{clear}",x2,label\n1,2,"a{title}"\n2,3,"b{clipboard}"\n3,1,"a{title}"\n')
    term = terminal("--paused", "--dataset", str(data))
    term.read_until(b"PAUSED")
    term.read_until(b"PWNED")  # the legend and the Jacobian draw the names
    term.type(b"q")
    assert term.wait() == 0, term.text()
    output = bytes(term.output)
    for payload in (title, clipboard, "\x1b]0;", "\x1b]52;", clear):
        assert payload.encode() not in output, payload
    assert b"\\x1b]0;PWNED\\x07" in output  # drawn as text instead


#: The Jacobian's subtitle for a free cursor: where it is on the map.
CURSOR_AT = re.compile(rb"cursor \(x1, x2\) = \(([-+][0-9.]+), ([-+][0-9.]+)\)")


async def map_viewport():
    """The map's viewport in the dashboard at the pseudo-terminal's size (computed in this
    process: the same paused run lays the same map out)."""
    from softmax_tui.tui.app import SoftmaxApp
    from softmax_tui.tui.options import parse_options
    from softmax_tui.tui.session import build_session

    app = SoftmaxApp(build_session(parse_options(["--paused"])))
    async with app.run_test(size=(COLUMNS, ROWS)):
        return app.dashboard.decision_map.viewport


def last_cursor(term: Terminal) -> tuple[str, str]:
    return CURSOR_AT.findall(bytes(term.output))[-1]


async def test_arrow_keys_read_together_each_move_the_cursor(terminal):
    """Issue 12 item 14: ten shift+Rights in one write (a held key, SSH batching, a paste) reach the
    app in one read; the free cursor moves ten cells, as the Jacobian's subtitle says."""
    viewport = await map_viewport()
    term = terminal("--paused")
    term.read_until(b"PAUSED")
    term.type(b"\x1b[1;2C")  # shift+right: a free cursor, one cell right of the first point
    term.read_until(b"cursor (x1, x2)")
    s, t = (float(v) for v in last_cursor(term))
    col, row = viewport.cell_of(s, t)
    assert col + 10 < viewport.cols and row + 1 < viewport.rows
    term.type(b"\x1b[1;2C" * 10)
    term.type(b"\x1b[1;2B")  # then one shift+Down, read after them: the last move
    term.read_until_true(lambda: float(last_cursor(term)[1]) != t, "the cursor one row down")
    expected = viewport.cell_centre(col + 10, row + 1)
    assert last_cursor(term) == tuple(f"{v:+.2f}".encode() for v in expected)
    term.type(b"q")
    assert term.wait() == 0, term.text()


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129)])
def test_sigterm_and_sighup_close_the_dashboard_as_q_does(terminal, tmp_path, signum, status):
    """Issue 11: the window closed or the SSH session dropped: the terminal restored, the
    history closed and the model saved, exit 128 + the signal."""
    model, history = tmp_path / "m.json", tmp_path / "h.csv"
    term = terminal("--save-model", str(model), "--history", str(history))
    term.read_until(b"RUNNING")
    term.proc.send_signal(signum)
    assert term.wait() == status, term.text()
    assert term.attributes() == term.before
    output = bytes(term.output)
    for mode in MODES:
        assert last(output, f"\x1b[?{mode}l") > last(output, f"\x1b[?{mode}h"), mode
    after = CSI.sub(b"", output[last(output, "\x1b[?1049l"):]).decode()
    assert after == (f"softmax-tui: stopped by {signal.Signals(signum).name}\r\n"
                     f"softmax-tui: model saved to {model}\r\n")
    step = json.loads(model.read_text())["config"]["trained"]["step"]
    rows = history.read_text().splitlines()
    assert rows[0].startswith("step,") and (step == 0 or int(rows[-1].split(",")[0]) == step)
