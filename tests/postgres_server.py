"""A real PostgreSQL server for the tests, started from the system's binaries in a temporary folder.

Debian's packages put them in /usr/lib/postgresql/<version>/bin (``.ci/run`` installs them when
they are missing). The server refuses to run as root, so as root it runs as the ``postgres``
user. It listens on a Unix socket in its own folder only (no TCP port to collide with), with
fsync off: the tests need its semantics, not its durability. Each test gets a fresh database,
copied from an empty template.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

PORT = 5432  # only names the socket file (.s.PGSQL.5432); nothing listens on TCP


def find_binaries() -> Path | None:
    """The newest installed version's bin folder, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parent.parent.name))
    return Path(found[-1]).parent if found else None


class Server:
    def __init__(self, binaries: Path, folder: Path) -> None:
        self.binaries, self.folder = binaries, folder
        self.data, self.sockets = folder / "data", folder / "run"
        self.user = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        self._numbers = itertools.count(1)

    def _run(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        # Output to a file, not a pipe: the server pg_ctl starts would hold a pipe open.
        with open(self.folder / "commands.log", "w+", encoding="utf-8") as output:
            result = subprocess.run(
                prefix + list(command), stdin=subprocess.DEVNULL, stdout=output, stderr=output, timeout=120
            )
            output.seek(0)
            text = output.read()
        if result.returncode:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {text}")

    def start(self) -> None:
        self.sockets.mkdir(parents=True)
        (self.folder / "server.log").touch()
        if os.geteuid() == 0:
            for path in (self.folder, self.sockets, self.folder / "server.log"):
                shutil.chown(path, "postgres")
        self._run(str(self.binaries / "initdb"), "-D", str(self.data), "-A", "trust", "-U", self.user, "-E", "UTF8")
        options = f"-c fsync=off -c full_page_writes=off -c synchronous_commit=off -k {self.sockets} -h '' -p {PORT}"
        self._run(
            str(self.binaries / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.folder / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE template_briefing")

    def stop(self) -> None:
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@/{database}?host={self.sockets}&port={PORT}"

    def fresh_database(self) -> str:
        """A new, empty database's URL."""
        name = f"test_{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name} TEMPLATE template_briefing")
        return self.url(name)


@contextmanager
def running_server() -> Iterator[Server]:
    binaries = find_binaries()
    if binaries is None:
        raise RuntimeError("no PostgreSQL binaries in /usr/lib/postgresql/*/bin: apt-get install -y postgresql")
    folder = Path(tempfile.mkdtemp(prefix="briefing-pg-"))
    server = Server(binaries, folder)
    try:
        server.start()
        yield server
    finally:
        try:
            server.stop()
        except (RuntimeError, subprocess.TimeoutExpired):
            pass
        shutil.rmtree(folder, ignore_errors=True)
