"""Start and stop a real Streamlit server for browser tests and benchmarks."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]
RERUN_DONE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class StreamlitServer:
    """`with StreamlitServer() as server:` runs Home.py on a free port of 127.0.0.1 until the block ends."""

    def __init__(
        self, script: str = "Home.py", *, env: dict[str, str] | None = None, startup_timeout: float = 90
    ):
        self.script = script
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> StreamlitServer:
        command = [
            sys.executable, "-m", "streamlit", "run", self.script,
            "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--server.address", "127.0.0.1",
            "--server.port", str(self.port),
        ]  # fmt: skip
        self.log = open(ROOT / "tests" / "e2e" / f"server-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.5)
        self.__exit__(None, None, None)
        raise TimeoutError(f"streamlit did not become healthy within {self.startup_timeout} s")

    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __exit__(self, *exc) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        Path(self.log.name).unlink(missing_ok=True)
