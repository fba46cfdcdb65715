"""Fixtures for communication tests: a community with owners, staff and committee; a clock; an SMTP server."""

from __future__ import annotations

import socket
import socketserver
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from govern.extensions import db


@dataclass
class World:
    cid: int
    users: dict[str, int]


@pytest.fixture
def world(app, factory) -> World:
    cid = factory.community()
    users = {
        "ann": factory.user("ann", community=cid, owner_ref="A"),  # 101–103
        "bob1": factory.user("bob1", community=cid, owner_ref="B1"),  # co-owns 201
        "bob2": factory.user("bob2", community=cid, owner_ref="B2"),
        "cat": factory.user("cat", community=cid, owner_ref="C"),  # 301
        "staff": factory.user("staff", roles=("property_staff",), community=cid),
        "staff2": factory.user("staff2", roles=("property_staff",), community=cid),
        "chair": factory.user("chair", roles=("committee_chair",), community=cid),
        "auditor": factory.user("auditor", roles=("auditor",), community=cid),
        "pending": factory.user("pending"),
    }
    return World(cid, users)


class Clock:
    """Moves ``govern.clock.now``."""

    def __init__(self, monkeypatch, start: datetime):
        self.moment = start
        monkeypatch.setattr("govern.clock.now", lambda: self.moment)

    def set(self, moment: datetime) -> None:
        self.moment = moment

    def advance(self, delta) -> datetime:
        self.moment = self.moment + delta
        return self.moment


@pytest.fixture
def clock(monkeypatch) -> Clock:
    # 10:00 in Shanghai, outside quiet hours.
    return Clock(monkeypatch, datetime(2025, 3, 3, 2, 0, tzinfo=UTC))


def user(app, name_or_id):
    from govern.accounts.models import User

    return db.session.get(User, name_or_id)


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[bytes] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)


class _Handler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    def handle(self):
        sink: SmtpSink = self.server.sink
        self.wfile.write(b"220 test ESMTP\r\n")
        sender, rcpts = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("ascii", "replace").strip()
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.wfile.write(b"250-test\r\n250 8BITMIME\r\n")
            elif verb == "MAIL":
                sender = cmd.split(":", 1)[1].strip().split()[0].strip("<>")
                self.wfile.write(b"250 OK\r\n")
            elif verb == "RCPT":
                rcpts.append(cmd.split(":", 1)[1].strip().strip("<>"))
                self.wfile.write(b"250 OK\r\n")
            elif verb == "DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = []
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                sink.messages.append(b"".join(data))
                sink.envelopes.append((sender, rcpts))
                sender, rcpts = "", []
                self.wfile.write(b"250 queued\r\n")
            elif verb == "QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 OK\r\n")


def _free_port() -> int:
    for port in range(20500, 32000, 11):  # below the ephemeral range
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


@pytest.fixture
def smtp_sink():
    port = _free_port()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", port), _Handler)
    server.daemon_threads = True
    server.sink = SmtpSink("127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.sink
    server.shutdown()
    server.server_close()
    thread.join(5)


def login(app, username: str):
    client = app.test_client()
    resp = client.post("/login", data={"username": username, "password": "correct-horse-battery"})
    assert resp.status_code == 302, username
    return client


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
