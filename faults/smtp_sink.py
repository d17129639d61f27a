"""A tiny SMTP server the fault tests send SafeCampus's email to, and can hold mid-message.

The email channel is the seam for watching a delivery in flight: the app is configured with
its ordinary production settings (EMAIL_BACKEND smtp, EMAIL_HOST/EMAIL_PORT) pointed at this
server, so no app code or validation is bypassed (group-robot addresses must be https on the
official hosts, which a test cannot serve).

A message counts as delivered only when the server has answered 250 to the final ".", as
with a real mail server. While the gate is closed the server reads the whole message and then
waits before that answer; a client that disappears meanwhile (its worker was killed) has
delivered nothing, and the attempt is counted as aborted.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import select
import socket
import threading
from dataclasses import dataclass, field
from typing import BinaryIO


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    subject: str
    message_id: str


@dataclass
class SmtpSink:
    host: str = "127.0.0.1"
    delivered: list[Mail] = field(default_factory=list)
    aborted: int = 0  # messages whose client vanished before the 250
    started: int = 0  # DATA commands seen
    gate: threading.Event = field(default_factory=threading.Event)  # set: answer at once
    in_flight: threading.Event = field(default_factory=threading.Event)  # a message is held

    def __post_init__(self) -> None:
        self.gate.set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, 0))
        self._sock.listen(16)
        self._sock.settimeout(0.2)
        self.port: int = self._sock.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept, name="smtp-sink", daemon=True)
        self._acceptor.start()

    # --- the test's side --------------------------------------------------------------------

    def hold(self) -> None:
        """Keep every following message waiting before its 250 until release()."""
        self.in_flight.clear()
        self.gate.clear()

    def release(self) -> None:
        self.gate.set()

    def snapshot(self) -> list[Mail]:
        with self._lock:
            return list(self.delivered)

    def close(self) -> None:
        self._stop.set()
        self.gate.set()
        self._acceptor.join(timeout=5)
        self._sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    # --- the server -------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._session, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _session(self, conn: socket.socket) -> None:
        conn.settimeout(30)
        reader = conn.makefile("rb")
        try:
            self._converse(conn, reader)
        except (OSError, TimeoutError):
            pass
        finally:
            reader.close()
            conn.close()

    def _converse(self, conn: socket.socket, reader: BinaryIO) -> None:
        def say(line: str) -> None:
            conn.sendall(line.encode("ascii") + b"\r\n")

        say("220 faults.localhost ESMTP sink")
        sender, recipients = "", list[str]()
        while not self._stop.is_set():
            raw = reader.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb == "EHLO":
                conn.sendall(b"250-faults.localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == "HELO":
                say("250 faults.localhost")
            elif verb == "MAIL":
                sender, recipients = line.partition(":")[2].strip(), []
                say("250 OK")
            elif verb == "RCPT":
                recipients.append(line.partition(":")[2].strip().strip("<>"))
                say("250 OK")
            elif verb == "DATA":
                say("354 End data with <CR><LF>.<CR><LF>")
                data = self._read_data(reader)
                if data is None:
                    return
                with self._lock:
                    self.started += 1
                if not self._wait_for_gate(conn):
                    with self._lock:
                        self.aborted += 1
                    return
                with self._lock:
                    self.delivered.append(_parse(sender, recipients, data))
                say("250 OK queued")
                sender, recipients = "", []
            elif verb in ("RSET", "NOOP"):
                say("250 OK")
            elif verb == "QUIT":
                say("221 Bye")
                return
            else:
                say("502 Command not implemented")

    @staticmethod
    def _read_data(reader: BinaryIO) -> bytes | None:
        lines: list[bytes] = []
        while True:
            raw = reader.readline()
            if not raw:
                return None
            if raw in (b".\r\n", b".\n"):
                return b"".join(lines)
            lines.append(raw[1:] if raw.startswith(b"..") else raw)

    def _wait_for_gate(self, conn: socket.socket) -> bool:
        """True when released; False when the client went away first."""
        if self.gate.is_set():
            return True
        self.in_flight.set()
        while not self.gate.wait(0.1):
            if _gone(conn):
                return False
        return not _gone(conn)  # the client may have died in the last 100 ms


def _gone(conn: socket.socket) -> bool:
    """The client closed its end (a killed process's sockets are closed by the kernel)."""
    readable, _w, _x = select.select([conn], [], [], 0)
    if not readable:
        return False
    try:
        return conn.recv(1, socket.MSG_PEEK) == b""
    except OSError:  # reset
        return True


def _parse(sender: str, recipients: list[str], data: bytes) -> Mail:
    message = email.message_from_bytes(data, policy=email.policy.default)
    return Mail(
        sender=sender,
        recipients=list(recipients),
        subject=str(message.get("Subject", "")),
        message_id=str(message.get("Message-ID", "")),
    )
