"""Files that appear whole or not at all: written under a temporary name, then renamed."""
from __future__ import annotations

import os
from pathlib import Path


def publish(tmp_path: str | os.PathLike, path: str | os.PathLike) -> Path:
    """Flush `tmp_path` to disk and rename it to `path` (atomic on POSIX): a reader or a crash
    sees the old file or the new one, never half of one."""
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp_path, path)
    _fsync_directory(Path(path).parent)
    return Path(path)


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    return publish(tmp, path)


def _fsync_directory(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------- one writer per output

LOCK_SUFFIX = ".lock"


class OutputLockedError(OSError):
    """Another live process is writing the same output (its lock file exists)."""


def lock_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    return path.with_name(path.name + LOCK_SUFFIX)


def _holder(lock: Path) -> tuple[int, str] | None:
    """(pid, host) written in a lock file, or None if it cannot be read."""
    try:
        pid, host = lock.read_text().split(maxsplit=1)
        return int(pid), host.strip()
    except (OSError, ValueError):
        return None


def _is_stale(holder: tuple[int, str] | None) -> bool:
    """A lock of this host whose process is gone (killed before it could remove its lock)."""
    if holder is None:
        return False
    pid, host = holder
    if host != os.uname().nodename:
        return False   # another machine's process: cannot tell, never taken over
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def acquire_lock(path: str | os.PathLike) -> Path:
    """Create `<path>.lock` (O_CREAT | O_EXCL, holding "pid host") so that one process at a time
    writes `path`; a lock left by a dead process of this host is taken over. Raises
    OutputLockedError naming the output and the holder otherwise."""
    lock = lock_path(path)
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(lock)
            if _is_stale(holder):
                lock.unlink(missing_ok=True)
                continue
            who = f"process {holder[0]} on {holder[1]}" if holder else "another process"
            raise OutputLockedError(f"{path}: {who} is writing it (lock file {lock}); if no such process "
                                    f"runs, remove the lock file") from None
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{os.getpid()} {os.uname().nodename}\n")
        return lock
    raise OutputLockedError(f"{path}: could not take the lock file {lock}")


def release_lock(lock: str | os.PathLike | None) -> None:
    if lock is not None:
        Path(lock).unlink(missing_ok=True)
