"""The Qt-free job machinery: process pools with progress and cancel."""

from __future__ import annotations

import threading

import pytest

from cxdesk.errors import Cancelled
from cxdesk.tasks import TaskContext, chunked, cpu_burn_job, map_in_processes


def _square_all(chunk: list[int]) -> list[int]:
    return [x * x for x in chunk]


def test_chunked_covers_everything_in_order() -> None:
    assert chunked(list(range(7)), 3) == [[0, 1, 2], [3, 4, 5], [6]]
    with pytest.raises(ValueError):
        chunked([1], 0)


def test_map_in_processes_keeps_order_and_reports_progress() -> None:
    seen: list[tuple[int, int]] = []
    ctx = TaskContext(lambda d, t, m: seen.append((d, t)))
    out = map_in_processes(_square_all, chunked(list(range(20)), 4), ctx, max_workers=2)
    assert [x for part in out for x in part] == [x * x for x in range(20)]
    assert seen[0] == (0, 5) and seen[-1] == (5, 5)


def test_map_in_processes_with_nothing_to_do() -> None:
    assert map_in_processes(_square_all, [], TaskContext()) == []


def test_cancel_stops_a_cpu_job_quickly() -> None:
    seen: list[tuple[int, int]] = []
    ctx = TaskContext(lambda d, t, m: seen.append((d, t)))
    threading.Timer(0.8, ctx.cancel).start()
    with pytest.raises(Cancelled):
        cpu_burn_job(ctx, seconds=6.0)
    done, total = seen[-1]
    assert total == 12 and done < total  # stopped with chunks of the 6 s job left, not at its end


def test_cancel_before_start_raises_at_once() -> None:
    ctx = TaskContext()
    ctx.cancel()
    with pytest.raises(Cancelled):
        map_in_processes(_square_all, [[1]], ctx)
