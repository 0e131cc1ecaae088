"""`python -m embedded_dynamodb`: serve until stdin closes (the parent went away)."""

from __future__ import annotations

import argparse
import os
import sys
import threading

from embedded_dynamodb.server import READY, serve


def main() -> None:
    parser = argparse.ArgumentParser(description="Embedded in-memory DynamoDB endpoint.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument(
        "--exit-with-stdin",
        action="store_true",
        help="exit when stdin reaches end of file, so the server never outlives its parent",
    )
    options = parser.parse_args()
    if options.exit_with_stdin:
        threading.Thread(target=_exit_on_eof, daemon=True).start()
    serve(options.host, options.port, _announce)


def _announce(url: str) -> None:
    print(f"{READY} {url}", flush=True)  # noqa: T201 - the parent reads this line


def _exit_on_eof() -> None:
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    main()
