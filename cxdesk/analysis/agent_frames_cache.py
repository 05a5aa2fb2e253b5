"""客服绩效's frames kept on disk between runs of the program, for big stores.

Building :class:`cxdesk.analysis.agent_frames.AgentFrames` reads every chat
message (~5 s at 1M messages); a first visit to 客服绩效 right after start-up
waited for that. The frames (with the KPI tables already aggregated from them)
are written to the app's cache folder once built, and read back (~0.3 s at 1M)
while the store still holds the same data.

"The same data" is a fingerprint of everything the frames are built from,
asked of the store in a few cheap queries (:meth:`cxdesk.store.agents.AgentsRepo.frames_fingerprint`:
counts and largest ids of messages, sessions and orders, the analysis runs,
the flags and which of them are marked 误报), plus the KPI configuration and
this module's :data:`FORMAT`. Any import, undo, analysis run or 误报 mark
changes it and the frames are built again. One file per store (its path or
team-database address), replaced atomically; a file that cannot be read or
written only costs the rebuild. Only stores of :data:`MIN_MESSAGES` messages
and more are cached: smaller ones build in well under a second.

The file is a pickle in the user's own cache folder, written by this program:
as trusted as the program's other files there.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path

from cxdesk.analysis.agent_frames import AgentFrames

log = logging.getLogger(__name__)

MIN_MESSAGES = 100_000
# Bumped when AgentFrames or what build_frames puts in it changes: older files are then ignored.
FORMAT = "agent-frames-1"
_FOLDER = "agent_frames"


def cache_file(store_path: str | Path) -> Path | None:
    """The cache file of the store at ``store_path`` (a file path or a team-database address)."""
    from cxdesk.caches import cache_dir

    key = str(store_path)
    if "://" not in key:
        key = str(Path(key).resolve())
    try:
        folder = cache_dir() / _FOLDER
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder / (hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".pickle")


def fingerprint(stamp: tuple, config_key: str) -> str:
    """One text for the store's data stamp, the configuration and the file format."""
    return hashlib.sha256(repr((FORMAT, stamp, config_key)).encode("utf-8")).hexdigest()


def load(store_path: str | Path, print_: str) -> AgentFrames | None:
    """The cached frames of this store when its fingerprint is ``print_``, else None."""
    path = cache_file(store_path)
    if path is None or not path.is_file():
        return None
    try:
        with path.open("rb") as fh:
            stored = pickle.load(fh)
        if not isinstance(stored, tuple) or len(stored) != 2 or stored[0] != print_:
            return None
        frames = stored[1]
        return frames if isinstance(frames, AgentFrames) else None
    except Exception as exc:  # noqa: BLE001  (a damaged or foreign file: build again)
        log.info("客服绩效缓存不可用（%s），重新计算", exc)
        return None


def save(store_path: str | Path, print_: str, frames: AgentFrames) -> bool:
    """Write the frames for this fingerprint (replacing the store's older file); whether it worked."""
    path = cache_file(store_path)
    if path is None:
        return False
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.stem, suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump((print_, frames), fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        return True
    except OSError as exc:
        log.info("客服绩效缓存未写入：%s", exc)
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        return False
