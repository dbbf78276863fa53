"""A throwaway PostgreSQL server: Debian's binaries, a fresh cluster in a temporary folder, a free loopback port.

PostgreSQL refuses to run as root, so when the tests run as root (as CI does) the cluster belongs
to the `postgres` system user the Debian package creates, and its programs run as that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

DATABASE = "kbqa_test"
USER = "kbqa"


def _bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run `scripts/setup.sh test` (apt-get install postgresql)")
    return Path(found[-1]).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TempPostgres:
    """`with TempPostgres() as url:` a database URL, the cluster stopped and deleted afterwards.

    `durable=False` (tests) turns off fsync: faster, and nothing here outlives the run.
    """

    def __init__(self, durable: bool = False) -> None:
        self.bin = _bin()
        self.durable = durable
        self.folder = Path(tempfile.mkdtemp(prefix="kbqa-pg-"))
        self.data = self.folder / "data"
        self.port = 0
        self._as: list[str] = []
        if os.getuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            self._as = ["setpriv", f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}", "--clear-groups"]

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([*self._as, str(self.bin / program), *args], cwd=self.folder, capture_output=True,
                              text=True, env={**os.environ, "LC_ALL": "C.UTF-8"}, timeout=120)
        if done.returncode:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr.strip()}\n{tail}")

    def __enter__(self) -> str:
        try:
            self._run("initdb", "-D", str(self.data), "-U", USER, "--auth=trust", "-E", "UTF8", "--no-locale")
            self._start()
            self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, DATABASE)
        except BaseException:
            self.__exit__()
            raise
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _start(self) -> None:
        options = f"-k {self.folder} -h 127.0.0.1 -p {{port}}" + ("" if self.durable else " -c fsync=off")
        for attempt in range(3):  # the free port may be taken between choosing and binding it
            self.port = _free_port()
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "server.log"), "-w", "-t", "60",
                          "-o", options.format(port=self.port), "start")
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def __exit__(self, *exc) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
