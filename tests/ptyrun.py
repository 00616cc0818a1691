"""Run a command on a real pseudo-terminal and answer a prompt, as a person at a terminal.

stdin, stdout and stderr of the child are the pty's slave end, so ``isatty()`` is true for
all three; the test reads the master end until the prompt appears, then types the answer.
"""

from __future__ import annotations

import os
import select
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path


def run_on_pty(
    args: Sequence[str],
    cwd: Path,
    env: dict[str, str],
    answer: str | None = None,
    prompt: bytes = b"[y/N]",
    timeout: float = 60.0,
) -> tuple[int, str]:
    """(exit code, everything the terminal showed); ``answer`` is typed at ``prompt``."""
    master, slave = os.openpty()
    proc = subprocess.Popen(
        list(args), cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=slave,
        start_new_session=True,
    )  # fmt: skip
    os.close(slave)
    out = b""
    answered = False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:  # EIO: the child and every holder of the slave are gone
                    chunk = b""
                if not chunk:
                    break
                out += chunk
                if answer is not None and not answered and prompt in out:
                    os.write(master, answer.encode() + b"\n")
                    answered = True
            elif proc.poll() is not None:
                break
        else:
            proc.kill()
            raise AssertionError(f"no exit within {timeout} s; terminal showed:\n{out!r}")
        return proc.wait(timeout=timeout), out.decode(errors="replace").replace("\r\n", "\n")
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
