"""Real servers for the printing tests: a loopback TCP listener standing in for a
thermal printer's raw port, and a private CUPS daemon with a raw queue pointing at it.

The CUPS daemon is Debian's ``cupsd`` run as a normal process with its own
configuration, spool and logs in a temporary folder, listening on a free loopback
port; ``.ci/run`` installs the package when it is missing. Where it cannot run here the
tests that need it skip with the reason, except in CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

import pytest

# A Zebra printer's answer to ~HS, in the form the ZPL II manual gives ("Host Status
# Return"): three strings, each <STX>...<ETX><CR><LF>. String 1 aaa,b,c,dddd,eee,f,g,h,
# iii,j,k,l: interface settings, paper out, paused, label length in dots, formats in the
# receive buffer, buffer full, diagnostic mode, partial format, unused 000, configuration
# lost, under and over temperature. String 2 mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www: function
# settings, unused, head up, ribbon out, thermal transfer, print mode, print width mode,
# label waiting, labels remaining, format while printing (always 1), graphics stored.
# String 3 xxxx,y: password, static RAM installed.
READY = (0, 0, 0, 0, 0, 0)  # paper out, paused, partial format, head up, ribbon out, transfer


def host_status(
    paper_out: int = 0,
    paused: int = 0,
    partial: int = 0,
    head_up: int = 0,
    ribbon_out: int = 0,
    transfer: int = 0,
) -> bytes:
    first = f"030,{paper_out},{paused},1218,000,0,0,{partial},000,0,0,0"
    second = f"001,0,{head_up},{ribbon_out},{transfer},2,6,0,00000000,1,000"
    return b"".join(b"\x02" + s.encode() + b"\x03\r\n" for s in (first, second, "1234,0"))


QUERY = b"~HS"
READY_ANSWER = host_status()
TALK = b"\x02status: ready\x03\r\n"  # status bytes in no form ~HS answers with


class Listener:
    """Accepts connections on 127.0.0.1 and keeps what each one sent, in order,
    answering each ``~HS`` the moment it arrives as a ready Zebra printer does
    (``status``: the answer; None answers nothing). The query sent after a job is not
    kept in ``received`` (``queries`` counts them)."""

    def __init__(self, status: bytes | None = None) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.status = READY_ANSWER if status is None else status
        self.received: list[bytes] = []
        self.queries = 0
        self.arrived = threading.Condition()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def uri(self) -> str:
        return f"socket://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                data = bytearray()
                answered = 0
                while True:
                    try:
                        chunk = connection.recv(65536)
                    except OSError:
                        break
                    if not chunk:
                        break
                    data += chunk
                    while data.count(QUERY) > answered:
                        answered += 1
                        if self.status:
                            connection.sendall(self.status)
            with self.arrived:
                self.queries += answered
                self.received.append(bytes(data).removesuffix(QUERY))
                self.arrived.notify_all()

    def wait(self, count: int = 1, timeout: float = 30.0) -> list[bytes]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
        return self.received

    def close(self) -> None:
        self.server.close()


class Printer:
    """A loopback "printer" that misbehaves as real ones do, one connection at a time:
    ``answer`` is what it sends back for each ``~HS`` (default a ready Zebra's host
    status; None: it never answers); ``talk`` sends status bytes of no known form, over
    and over, once asked (and after the sender closes); ``rate`` (bytes a second) reads
    at print speed; ``stall_after`` stops reading (holding the connection open) once it
    has that many bytes (0: it never reads); ``reset_after`` closes the connection with
    a reset (RST) once it has that many. ``family`` AF_INET6 listens on ::1.
    ``received`` holds what each connection sent (the status query that ends a job left
    out); ``got_all`` is set when a sender closed its side."""

    def __init__(
        self,
        talk: bool = False,
        rate: int | None = None,
        stall_after: int | None = None,
        family: int = socket.AF_INET,
        reset_after: int | None = None,
        answer: bytes | None = READY_ANSWER,
    ) -> None:
        host = "::1" if family == socket.AF_INET6 else "127.0.0.1"
        self.server = socket.create_server((host, 0), family=family)
        if rate is not None or stall_after is not None or reset_after is not None:
            # no big buffer ahead of reading
            self.server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
        self.port = self.server.getsockname()[1]
        self.uri = (
            f"socket://[{host}]:{self.port}" if ":" in host else f"socket://{host}:{self.port}"
        )
        self.talk, self.rate, self.stall_after = talk, rate, stall_after
        self.reset_after, self.answer = reset_after, answer
        self.received: list[bytes] = []
        self.got_all = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                self._one(connection)

    def _one(self, connection: socket.socket) -> None:
        data = bytearray()
        self.received.append(b"")
        asked = 0
        if self.talk:
            connection.settimeout(0.05)
        while not self.stop.is_set():
            if self.stall_after is not None and len(data) >= self.stall_after:
                self.stop.wait()  # holds the connection, reads nothing more
                break
            if self.reset_after is not None and len(data) >= self.reset_after:
                # closing with linger 0 sends a reset: the bytes not read are lost
                connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                break
            try:
                want = 8192 if self.reset_after is None else self.reset_after - len(data)
                chunk = connection.recv(min(8192, want))
            except TimeoutError:
                if asked and not self._say(connection, TALK):
                    break
                continue
            except OSError:
                break
            if not chunk:
                self.got_all.set()
                break
            data += chunk
            self.received[-1] = bytes(data).removesuffix(QUERY)
            while data.count(QUERY) > asked:
                asked += 1
                if self.talk:
                    self._say(connection, TALK)
                if self.answer:
                    self._say(connection, self.answer)
            if self.rate:
                time.sleep(len(chunk) / self.rate)
        while self.talk and not self.stop.is_set() and self._say(connection, TALK):
            time.sleep(0.05)

    @staticmethod
    def _say(connection: socket.socket, data: bytes) -> bool:
        try:
            connection.sendall(data)
        except OSError:
            return False
        return True

    def close(self) -> None:
        self.stop.set()
        self.server.close()


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return int(probe.getsockname()[1])


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused)."""
    return free_port()


def need(program: str) -> str:
    found = shutil.which(program) or (
        f"/usr/sbin/{program}" if Path(f"/usr/sbin/{program}").exists() else None
    )
    if found:
        return found
    reason = f"{program} is not installed (Debian: apt-get install cups); .ci/run installs it"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


_CUPSD_CONF = """LogLevel warn
Listen 127.0.0.1:{port}
WebInterface No
DefaultAuthType None
Browsing No
<Location />
  Order allow,deny
  Allow all
</Location>
<Location /admin>
  Order allow,deny
  Allow all
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
"""

_FILES_CONF = """ServerRoot {root}
RequestRoot {root}/spool
CacheDir {root}/cache
StateDir {root}/state
TempDir {root}/spool
ErrorLog {root}/log/error_log
AccessLog {root}/log/access_log
PageLog {root}/log/page_log
Printcap {root}/printcap
Sandboxing Relaxed
"""


class Cups:
    """A private cupsd on a loopback port; ``env`` points ``lp`` and ``lpadmin`` at it."""

    def __init__(self, root: Path) -> None:
        self.cupsd = need("cupsd")
        need("lp")
        self.lpadmin = need("lpadmin")
        self.root = root
        for sub in ("spool", "cache", "state", "log"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        (root / "cupsd.conf").write_text(_CUPSD_CONF.format(port=self.port), encoding="utf-8")
        (root / "cups-files.conf").write_text(_FILES_CONF.format(root=root), encoding="utf-8")
        self.server = f"127.0.0.1:{self.port}"
        self.env = {**os.environ, "CUPS_SERVER": self.server}
        with (root / "log" / "stdout").open("wb") as output:
            self.process = subprocess.Popen(
                [
                    self.cupsd,
                    "-f",
                    "-c",
                    str(root / "cupsd.conf"),
                    "-s",
                    str(root / "cups-files.conf"),
                ],
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                output = (self.root / "log" / "stdout").read_text(errors="replace")
                pytest.fail(f"cupsd stopped: {output.strip()} {self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"cupsd did not start listening: {self.log()}")

    def add_raw_queue(self, name: str, device_uri: str) -> None:
        subprocess.run(
            [self.lpadmin, "-p", name, "-E", "-v", device_uri],
            env=self.env,
            check=True,
            capture_output=True,
        )

    def log(self) -> str:
        path = self.root / "log" / "error_log"
        return path.read_text(encoding="utf-8", errors="replace")[-2000:] if path.exists() else ""

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class NeverAccepts:
    """A port that listens and never accepts: the kernel completes the connection and
    buffers what is sent, and nothing ever reads it or answers."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0), backlog=1)
        self.uri = f"socket://127.0.0.1:{self.server.getsockname()[1]}"

    def close(self) -> None:
        self.server.close()


class NeverReads:
    """Accepts every connection and never reads from it (the kernel's default buffers
    take a small job whole and acknowledge it), nor answers."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.uri = f"socket://127.0.0.1:{self.server.getsockname()[1]}"
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                self.held.append(self.server.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.server.close()
        for connection in self.held:
            connection.close()
