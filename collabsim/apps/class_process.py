"""Class mode as a process of its own: start `collabsim app --class`, wait until it answers, read
the teacher's address from what it prints, and stop it. For scripts that drive a session from
outside (the browser test, the latency benchmark, the screenshots of docs/classroom.md)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from collabsim.errors import CollabsimInputError

TEACHER_LINE = re.compile(r"teacher's console: (\S+)")


class ClassProcess:
    """`collabsim app --class` on 127.0.0.1:port with the given options, its output in `log`.

    Use as a context manager: ``with ClassProcess(8792, log, "--lang", "nl") as session:`` gives
    ``session.base`` (the students' address), ``session.teacher`` (the console with its key)
    and ``session.key``; the process group is stopped on leaving."""

    def __init__(self, port: int, log: Path, *options: str, timeout_s: float = 60.0) -> None:
        self.port, self.log, self.options, self.timeout_s = port, Path(log), options, timeout_s
        self.base = f"http://127.0.0.1:{port}"
        self.teacher = self.key = ""
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> ClassProcess:
        cli = Path(sys.executable).with_name("collabsim")
        command = [str(cli)] if cli.exists() else [sys.executable, "-m", "collabsim"]
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [*command, "app", "--class", "--port", str(self.port), *self.options],
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as one
                env={**os.environ, "COLUMNS": "200"},
            )
        try:
            self._wait()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _wait(self) -> None:
        """Until the server answers and has printed the teacher's address."""
        started = time.monotonic()
        while time.monotonic() - started < self.timeout_s:
            if self.proc.poll() is not None:
                raise CollabsimInputError(f"class mode exited early: {self.log.read_text()}")
            found = TEACHER_LINE.search(self.log.read_text())
            if found:
                try:
                    urllib.request.urlopen(self.base + "/api/text", timeout=2).close()
                    self.teacher = found.group(1)
                    self.key = self.teacher.split("key=")[1]
                    return
                except OSError:
                    pass
            time.sleep(0.2)
        raise CollabsimInputError(f"class mode did not answer within {self.timeout_s:.0f} s")

    def stop(self) -> None:
        """Stop the server's process group (SIGTERM, then SIGKILL after 15 s)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.proc.pid
