"""Helpers for stream tests: what the embedded endpoint sent, a recording SMS gateway, Redis."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def sent_mail(endpoint: str) -> list[dict[str, Any]]:
    """E-mails the endpoint's SES accepted: {source, destinations, subject, body (HTML)}."""
    with urllib.request.urlopen(endpoint + "/moto-api/data.json") as response:
        return list(json.loads(response.read())["ses"]["Message"])


def sent_sms(endpoint: str) -> list[dict[str, Any]]:
    """SMS the endpoint's SNS accepted: {phone_number, message, ...}."""
    with urllib.request.urlopen(endpoint + "/moto-api/data.json") as response:
        return list(json.loads(response.read())["sns"].get("SMS", []))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmsGateway:
    """A real HTTP server on 127.0.0.1 that records the SMS posted to it."""

    url: str = ""
    api_key: str = "gateway-test-key"
    received: list[dict[str, Any]] = field(default_factory=list)
    #: While True, every request is answered 503 and not recorded (an outage).
    down: bool = False
    rejected: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def texts_to(self, number: str) -> list[str]:
        with self.lock:
            return [m["text"] for m in self.received if m["to"] == number]

    def clear(self) -> None:
        with self.lock:
            self.received.clear()
            self.rejected = 0


def start_gateway() -> tuple[SmsGateway, ThreadingHTTPServer]:
    gateway = SmsGateway()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Authorization") != f"Bearer {gateway.api_key}":
                self._answer(401, {"error": "bad key"})
                return
            with gateway.lock:
                if gateway.down:
                    gateway.rejected += 1
                    self._answer(503, {"error": "down"})
                    return
                message = json.loads(body)
                gateway.received.append(message)
                number = len(gateway.received)
            self._answer(200, {"id": f"sms-{number}"})

        def _answer(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    return gateway, server


class RedisServer:
    """A throwaway redis-server on a free loopback port, which tests may stop and restart."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError(
                "redis-server is not installed: the Redis hub tests need a real Redis. "
                "Install it with `scripts/ensure-redis.sh` (apt-get install redis-server)."
            )
        self.binary = binary
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "yes",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=10)
            self._process = None
