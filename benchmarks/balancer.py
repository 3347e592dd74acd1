"""A classroom through the balancer: N slider sessions against 1, 2, 3 replicas behind deploy/nginx.conf.

    .venv/bin/python benchmarks/balancer.py --replicas 1 2 3 --sessions 30 60 120 --seconds 30

For every (replicas, N) a fresh cluster (deploy/run_replicas.py: the replicas, nginx, one cookie secret)
and the load of benchmarks/classroom.py: N protocol-level sessions open Colour thresholding, pick their
own sample and marker, then move "Value low" about once a second (--think). Each session first loads the
page over HTTP as a browser does, keeps the cookie the balancer sets (cvlab_replica=rN), and sends it with
its websocket and image requests, so it stays on its replica. The isolation checks of classroom.py run
unchanged (across replicas: the same state must give the same images).

Per row: p50 / p95 / max rerun latency, errors, how many sessions each replica got, memory (RSS summed
over the replicas and nginx) and CPU (the same processes, 100 % = one core), and this client's CPU.
Writes benchmarks/out/balancer.json. Only 127.0.0.1 traffic; every loop is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import websockets

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.classroom import machine, measure_load, table  # noqa: E402
from benchmarks.protocol import ProtocolError, StreamlitSession, _unchunk  # noqa: E402
from deploy.run_replicas import COOKIE, Cluster  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "balancer.json"


class StickySession(StreamlitSession):
    """A browser tab behind the balancer: GET the page first, then send the balancer's cookie everywhere."""

    cookie_header = ""
    replica: str | None = None

    async def _http(self, path: str) -> tuple[str, list[str], bytes]:
        """(status line, header lines, body) of a GET to this server, with this tab's cookies."""
        reader, writer = await asyncio.wait_for(asyncio.open_connection(self.host, self.port), self.timeout)
        try:
            cookie = f"Cookie: {self.cookie_header}\r\n" if self.cookie_header else ""
            request = (
                f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{cookie}Connection: close\r\n\r\n"
            )
            writer.write(request.encode("ascii"))
            await writer.drain()
            response = await asyncio.wait_for(reader.read(), self.timeout)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        head, _, body = response.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        if any(line.lower() == "transfer-encoding: chunked" for line in lines[1:]):
            body = _unchunk(body)
        return lines[0], lines[1:], body

    async def connect(self) -> None:
        status, headers, _ = await self._http("/")
        if " 200 " not in f"{status} ":
            raise ProtocolError(f"GET /: {status}")
        jar = SimpleCookie()
        for line in headers:
            name, _, value = line.partition(":")
            if name.lower() == "set-cookie":
                jar.load(value.strip())
        self.cookie_header = "; ".join(f"{key}={morsel.value}" for key, morsel in jar.items())
        self.replica = jar[COOKIE].value if COOKIE in jar else None
        url = f"ws://{self.host}:{self.port}/_stcore/stream"
        try:
            self._socket = await asyncio.wait_for(
                websockets.connect(
                    url,
                    subprotocols=["streamlit"],
                    max_size=None,
                    open_timeout=self.timeout,
                    additional_headers={"Cookie": self.cookie_header},
                ),
                self.timeout,
            )
        except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as error:
            raise ProtocolError(f"cannot open {url}: {error}") from error
        self._inbox = asyncio.Queue()
        self._reader = asyncio.create_task(self._read_forever())

    async def fetch(self, url: str) -> bytes:
        if not url.startswith("/"):
            raise ProtocolError(f"expected a server path, got {url!r}")
        status, _, body = await self._http(url)
        if " 200 " not in f"{status} ":
            raise ProtocolError(f"GET {url}: {status}")
        return body


def row_table(rows: list[dict]) -> str:
    """classroom.py's table with the replica count first and the sessions per replica last."""
    lines = table(rows).splitlines()
    header = lines[0].replace("| N |", "| replicas | N |", 1).rstrip() + " sessions per replica |"
    out = [header, "|" + "---|" * (header.count("|") - 1)]
    for row, line in zip(rows, lines[2:], strict=True):
        spread = " / ".join(f"{name} {count}" for name, count in row["replicas_used"].items())
        out.append(f"| {row['replicas']} " + line.rstrip() + f" {spread} |")
    return "\n".join(out)


def run_all(args: argparse.Namespace) -> list[dict]:
    rows = []
    for replicas in args.replicas:
        for count in args.sessions:
            with Cluster(replicas=replicas, env={"CVLAB_DEVICE": "cpu"}) as cluster:
                pids = [*cluster.pids(), *cluster.nginx_pids()]
                started = time.monotonic()
                row = asyncio.run(
                    measure_load(cluster.url, pids, sessions=count, page=args.page, seconds=args.seconds,
                                 think=args.think, session_factory=StickySession)
                )  # fmt: skip
                row["replicas"] = replicas
                row["wall_with_setup_s"] = round(time.monotonic() - started, 1)
            rows.append(row)
            print(row_table([row]).splitlines()[-1], flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replicas", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--sessions", type=int, nargs="+", default=[30, 60, 120])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between one session's moves (s)")
    parser.add_argument("--page", default="colour_thresholding")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if any(not 1 <= count <= 150 for count in args.sessions):
        parser.error("--sessions must be between 1 and 150")
    if any(not 1 <= count <= 8 for count in args.replicas):
        parser.error("--replicas must be between 1 and 8")
    if not 0 < args.seconds <= 600:
        parser.error("--seconds must be in (0, 600]")
    started = datetime.datetime.now().astimezone()
    info = machine()
    rows = run_all(args)
    print()
    print(row_table(rows))
    for row in rows:
        if not row["isolation"]["ok"] or row["errors"]:
            print(f"replicas={row['replicas']} N={row['sessions']}: errors {row['error_kinds']}; "
                  f"isolation {row['isolation']}")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    settings = {key: (str(value) if isinstance(value, Path) else value) for key, value in vars(args).items()}
    args.out.write_text(json.dumps({"date": started.isoformat(timespec="seconds"), "machine": info,
                                    "settings": settings, "results": rows}, indent=2))  # fmt: skip
    print(f"\nwritten {args.out}")
    return 0 if all(row["isolation"]["ok"] and not row["errors"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
