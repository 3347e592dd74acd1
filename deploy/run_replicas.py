"""Run CV Skills Lab as N Streamlit replicas behind one nginx, on this machine, without root.

    python deploy/run_replicas.py --replicas 3 --port 8500          # http://127.0.0.1:8500, Ctrl-C stops all
    python deploy/run_replicas.py --replicas 3 --print-config       # the filled nginx.conf, nothing started

Replicas listen on 127.0.0.1 only (ports --replica-port, --replica-port + 1, ...; 0: free ports); nginx
listens on --listen:--port and is the only way in. All replicas share one server.cookieSecret: taken from
STREAMLIT_SERVER_COOKIE_SECRET, else read from --cookie-secret-file, else generated once (and written to
that file when one is named, so a restart keeps it). It reaches the replicas through their environment,
not their command line (which `ps` shows to every user). nginx's config is deploy/nginx.conf with its
@@...@@ lines filled for these replicas; its pid file, logs and temp files are in a run directory
(--run-dir, default a fresh temporary one, removed at the end unless named). --restart starts a replica
again when it exits (a department server); without it a dead replica stays dead (the tests kill one).

tests/e2e/test_balancer.py and benchmarks/balancer.py use `Cluster` from here.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "deploy" / "nginx.conf"
COOKIE = "cvlab_replica"
SECRET_ENV = "STREAMLIT_SERVER_COOKIE_SECRET"
PLACEHOLDER = re.compile(r"^@@([A-Z_]+)@@$", re.MULTILINE)


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def replica_name(index: int) -> str:
    """r1, r2, ...: the value of the cvlab_replica cookie that pins a browser to replica `index` (0-based)."""
    return f"r{index + 1}"


def render(addresses: list[str], listen: str, template: str | None = None) -> str:
    """deploy/nginx.conf filled for replicas at `addresses` ("host:port", in order r1, r2, ...)."""
    template = TEMPLATE.read_text() if template is None else template
    names = [replica_name(index) for index in range(len(addresses))]
    pairs = list(zip(names, addresses, strict=True))
    blocks = {
        "POOL_SERVERS": [f"        server {address} max_fails=1 fail_timeout=5s;" for address in addresses],
        "REPLICA_UPSTREAMS": [
            f"    upstream cvlab_{name} {{ server {address}; }}" for name, address in pairs
        ],
        "ROUTES": [f"        {name} cvlab_{name};" for name in names],
        "SERVED": [f'        "~(^|[ ,:]){re.escape(address)}$" {name};' for name, address in pairs],
        "KEEP_COOKIE": [f'        "{name}|{name}" "";' for name in names],
    }

    def fill(match: re.Match) -> str:
        return "\n".join(blocks[match.group(1)])

    text = PLACEHOLDER.sub(fill, template)
    text = text.replace("@@LISTEN@@", listen)
    left = re.findall(r"@@\w+@@", text)
    if left:
        raise ValueError(f"unfilled placeholders in {TEMPLATE.name}: {left}")
    return text


def cookie_secret(secret_file: Path | None) -> str:
    """One secret for every replica: the environment's, the file's, or a new one (saved to the file)."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    if secret_file is not None and secret_file.exists():
        return secret_file.read_text().strip()
    secret = secrets.token_urlsafe(32)
    if secret_file is not None:
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret_file.touch(mode=0o600)
        secret_file.write_text(secret + "\n")
    return secret


def wait_healthy(url: str, timeout: float, process: subprocess.Popen | None = None, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what or url} exited with {process.returncode}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply,
        ):
            if reply.status == 200:
                return
        time.sleep(0.3)
    raise TimeoutError(f"{what or url} was not healthy within {timeout:.0f} s")


def stop_process(process: subprocess.Popen | None, timeout: float = 15) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Replica:
    index: int
    port: int
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def name(self) -> str:
        return replica_name(self.index)

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"


@dataclass
class Cluster:
    """`with Cluster(replicas=2) as cluster:` N replicas plus nginx until the block ends; cluster.url is nginx."""

    replicas: int = 2
    port: int = 0  # nginx's port; 0: a free one
    replica_port: int = 0  # first replica's port (then +1, +2, ...); 0: free ports
    listen: str = "127.0.0.1"
    run_dir: Path | None = None
    secret_file: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    script: str = "Home.py"
    startup_timeout: float = 120
    python: str = sys.executable
    nginx_binary: str = field(default_factory=lambda: shutil.which("nginx") or "/usr/sbin/nginx")
    members: list[Replica] = field(default_factory=list, init=False)
    nginx: subprocess.Popen | None = field(default=None, init=False)
    _own_run_dir: bool = field(default=False, init=False)
    _secret: str = field(default="", init=False, repr=False)

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.listen in ("0.0.0.0", "*", "") else self.listen
        return f"http://{host}:{self.port}"

    # --- start and stop

    def __enter__(self) -> Cluster:
        if not Path(self.nginx_binary).exists():
            raise RuntimeError(f"nginx is missing ({self.nginx_binary}): apt-get install nginx")
        if self.run_dir is None:
            self.run_dir = Path(tempfile.mkdtemp(prefix="cvlab-replicas-"))
            self._own_run_dir = True
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self.run_dir.chmod(0o755)  # nginx's workers drop root and must reach their temp files here
        self._secret = cookie_secret(self.secret_file)
        self.port = self.port or free_port()
        self.members = [
            Replica(index, self.replica_port + index if self.replica_port else free_port())
            for index in range(self.replicas)
        ]
        try:
            for replica in self.members:
                self._spawn(replica)
            for replica in self.members:
                wait_healthy(replica.url, self.startup_timeout, replica.process, f"replica {replica.name}")
            self._start_nginx()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _spawn(self, replica: Replica) -> None:
        command = [
            self.python, "-m", "streamlit", "run", self.script,
            "--server.headless", "true",
            "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none",
            "--server.address", "127.0.0.1",
            "--server.port", str(replica.port),
        ]  # fmt: skip
        env = {**os.environ, **self.env, SECRET_ENV: self._secret}
        replica.log = self.run_dir / f"replica-{replica.name}.log"
        with open(replica.log, "a") as log:
            replica.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def _start_nginx(self) -> None:
        config = self.run_dir / "nginx.conf"
        config.write_text(render([replica.address for replica in self.members], f"{self.listen}:{self.port}"))
        command = [self.nginx_binary, "-p", f"{self.run_dir}/", "-c", str(config), "-e", "error.log",
                   "-g", "daemon off;"]  # fmt: skip
        test = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if test.returncode:
            raise RuntimeError(f"nginx rejected {config}:\n{test.stderr}")
        self.nginx = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        wait_healthy(self.url, 30, self.nginx, "nginx")

    def __exit__(self, *exc: object) -> None:
        stop_process(self.nginx)
        for replica in self.members:
            stop_process(replica.process)
        if self._own_run_dir and self.run_dir is not None:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    # --- one replica

    def replica(self, name: str) -> Replica:
        return next(replica for replica in self.members if replica.name == name)

    def kill(self, name: str) -> None:
        """SIGKILL one replica, as a crash would (no goodbye to its websockets)."""
        process = self.replica(name).process
        assert process is not None
        process.kill()
        process.wait()

    def restart(self, name: str) -> None:
        """Start a dead replica again on its port and wait until it is healthy."""
        replica = self.replica(name)
        stop_process(replica.process)
        self._spawn(replica)
        wait_healthy(replica.url, self.startup_timeout, replica.process, f"replica {replica.name}")

    def pids(self) -> list[int]:
        """The live replicas' process ids (for memory and CPU accounting)."""
        return [r.process.pid for r in self.members if r.process is not None and r.process.poll() is None]

    def nginx_pids(self) -> list[int]:
        """nginx's master and its workers (the workers carry the traffic)."""
        if self.nginx is None or self.nginx.poll() is not None:
            return []
        children = Path(f"/proc/{self.nginx.pid}/task/{self.nginx.pid}/children")
        workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
        return [self.nginx.pid, *workers]

    def supervise(self, restart: bool) -> None:
        """Block until nginx exits (or Ctrl-C); with restart, start again any replica that exits."""
        while self.nginx is not None and self.nginx.poll() is None:
            for replica in self.members:
                if restart and replica.process is not None and replica.process.poll() is not None:
                    print(
                        f"replica {replica.name} exited ({replica.process.returncode}); restarting",
                        flush=True,
                    )
                    try:
                        self.restart(replica.name)
                    except (RuntimeError, TimeoutError) as error:
                        print(f"replica {replica.name}: {error}", flush=True)
            time.sleep(1)


def interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=8500, help="nginx's port (0: a free one)")
    parser.add_argument("--listen", default="127.0.0.1", help="nginx's address (0.0.0.0 in a container)")
    parser.add_argument("--replica-port", type=int, default=8501, help="first replica's port (0: free ports)")
    parser.add_argument(
        "--run-dir", type=Path, help="nginx.conf, pid, logs, temp files (default: a temp dir)"
    )
    parser.add_argument(
        "--cookie-secret-file", type=Path, help="read the shared secret here, or save it here"
    )
    parser.add_argument("--restart", action="store_true", help="start again any replica that exits")
    parser.add_argument("--print-config", action="store_true", help="print the filled nginx.conf and exit")
    args = parser.parse_args(argv)
    if not 1 <= args.replicas <= 64:
        parser.error("--replicas must be between 1 and 64")
    if args.print_config:
        ports = [args.replica_port + index for index in range(args.replicas)]
        print(render([f"127.0.0.1:{port}" for port in ports], f"{args.listen}:{args.port}"), end="")
        return 0
    cluster = Cluster(replicas=args.replicas, port=args.port, replica_port=args.replica_port,
                      listen=args.listen, run_dir=args.run_dir, secret_file=args.cookie_secret_file)  # fmt: skip
    signal.signal(signal.SIGTERM, interrupt)  # docker stop: the same clean stop as Ctrl-C
    signal.signal(signal.SIGINT, interrupt)  # also when started in the background, where SIGINT is ignored
    try:
        with cluster:
            for replica in cluster.members:
                print(f"replica {replica.name}: {replica.url} (pid {replica.process.pid}, log {replica.log})")
            print(
                f"balancer: {cluster.url}  (run dir {cluster.run_dir}; Ctrl-C stops everything)", flush=True
            )
            cluster.supervise(args.restart)
            print("nginx exited; stopping the replicas", flush=True)
            return 1
    except KeyboardInterrupt:
        print("\nstopped", flush=True)
        return 0


if __name__ == "__main__":
    sys.exit(main())
