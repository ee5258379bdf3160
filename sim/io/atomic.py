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
