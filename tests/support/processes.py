"""`mentorbot` as a real process, for the tests that run it: started with only the settings
given, its log read as it comes, killed on the way out if still up."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30.0
# As the installed `mentorbot` script, with its name in the messages.
MAIN = "import sys; from bot.cli.main import main; sys.argv[0] = 'mentorbot'; main()"


@dataclass
class BotProcess:
    process: asyncio.subprocess.Process
    stderr: asyncio.Task[bytes]
    lines: list[bytes] = field(default_factory=list)

    def logged(self, words: str) -> bool:
        """Whether the log holds `words` so far."""
        return any(words.encode() in line for line in self.lines)

    async def wait_until(self, ready: Callable[[], bool], what: str) -> None:
        """Polls `ready` until it holds; fails at once if the process ended instead."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STARTUP_SECONDS
        while not ready():
            if self.process.returncode is not None:
                error = (await self.stderr).decode(errors="replace")
                raise AssertionError(f"exited {self.process.returncode} before {what}:\n{error}")
            if loop.time() > deadline:
                raise AssertionError(f"no {what} within {STARTUP_SECONDS}s")
            await asyncio.sleep(0.05)


def bare_environment(cwd: Path, **settings: str) -> dict[str, str]:
    """A process environment with only `settings` (TELEGRAM_BOT_TOKEN=…) and what Python
    needs to find the code; HOME is `cwd`, where a test writes any .env it wants read."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(REPO_ROOT),
        "HOME": str(cwd),
        **settings,
    }


def environment(
    token: str, base_url: str, database_url: str, cwd: Path, **settings: str
) -> dict[str, str]:
    """Only these settings (no .env is read from `cwd`)."""
    return bare_environment(
        cwd,
        TELEGRAM_BOT_TOKEN=token,
        TELEGRAM_API_BASE_URL=base_url,
        DATABASE_URL=database_url,
        **settings,
    )


def run_mentorbot(
    *args: str, env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """A `mentorbot` command run to its end, its output as text (for tests without a loop)."""
    return subprocess.run(
        [sys.executable, "-c", MAIN, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


async def start_mentorbot(
    *args: str, env: dict[str, str], cwd: Path, stdout: bool = False
) -> asyncio.subprocess.Process:
    """A `mentorbot` command started; standard error (and output with `stdout`) piped."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        MAIN,
        *args,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE if stdout else asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )


async def _drain(stream: asyncio.StreamReader, lines: list[bytes]) -> bytes:
    while line := await stream.readline():
        lines.append(line)
    return b"".join(lines)


async def mentorbot(*args: str, env: dict[str, str], cwd: Path) -> tuple[int, str, str]:
    """A `mentorbot` command to its end: exit status, standard output, standard error."""
    process = await start_mentorbot(*args, env=env, cwd=cwd, stdout=True)
    out, err = await asyncio.wait_for(process.communicate(), STARTUP_SECONDS)
    assert process.returncode is not None
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")


@asynccontextmanager
async def mentorbot_run(
    token: str, base_url: str, database_url: str, cwd: Path, *options: str
) -> AsyncIterator[BotProcess]:
    """`mentorbot run` in `cwd` with only these settings; killed on the way out if still up."""
    process = await start_mentorbot(
        "run", *options, env=environment(token, base_url, database_url, cwd), cwd=cwd
    )
    assert process.stderr is not None
    lines: list[bytes] = []
    # Drained all along (a full pipe blocks), a line at a time so tests can wait for one.
    stderr = asyncio.create_task(_drain(process.stderr, lines))
    try:
        yield BotProcess(process, stderr, lines)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        stderr.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await stderr
