"""Import memory benchmark: peak RSS of the importer and its reader process per file size.

Generates a Qianniu-exporter CSV (or JDDC TSV) of about the given size with the
generators of ``import_bench.py``, imports it into a fresh store with the real
CLI (``python main.py import FILE --db DB --quiet``) and polls ``/proc`` every
50 ms for the importing process and all its descendants (the reader process):
their ``VmHWM`` (peak resident set, kernel-kept) and the largest sum of their
``VmRSS`` at one instant.

    python bench/import_memory.py --size-mb 250 --size-mb 1000 [--format jddc] [--dir /tmp/cxmem]
    python bench/import_memory.py --size-mb 2000 --root /tmp/base-mem   # another checkout's code
    python bench/import_memory.py --size-mb 500 --format returning      # the worst case for the bound

``--format returning`` writes every session in two halves, the second after all
other buyers' first halves (rows in time order, within the session gap): with
more than 200,000 buyers every open session is spilled to disk and brought back,
and every session is recomputed from its stored rows at the end.

Linux only (reads /proc). Files are deleted afterwards unless ``--keep``.
Not a test: numbers go to bench/README.md ("## Import memory").
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

import import_bench  # noqa: E402  (generators; same folder)

BYTES_PER_MESSAGE = {"qianniu": 86.3, "jddc": 86.0, "returning": 86.3}  # generated files, at 1M messages


def gen_returning_csv(path: Path, n: int) -> None:
    """Qianniu-exporter CSV, 10 messages per buyer in two halves 10 minutes apart: all first
    halves, then all second halves (so each buyer comes back after every other buyer)."""
    import csv

    buyers = n // import_bench.PER_SESSION
    half = import_bench.PER_SESSION // 2
    base = 1_682_900_000
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["客户名", "消息序号", "发送时间", "发送内容", "发送账号", "账号类型"])
        for r in range(2):
            for b in range(buyers):
                buyer = f"rb_{b:07d}"
                for i in range(half):
                    seq = r * half + i
                    is_buyer = seq % 2 == 0
                    w.writerow(
                        [
                            buyer,
                            seq + 1,
                            time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(base + r * 600 + i * 9)),
                            f"{import_bench._PHRASES[(b + seq) % 16]} {b}-{seq}",
                            buyer if is_buyer else f"某某旗舰店:客服{b % 17:02d}",
                            "买家" if is_buyer else "客服",
                        ]
                    )


def _status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (KiB) of one process, {} once it is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line[:5]] = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return {}
    return out


def _descendants(root: int) -> list[int]:
    parent: dict[int, int] = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as fh:
                    parent[int(name)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, todo = [], [root]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent.items() if pp == p]
        found.extend(kids)
        todo.extend(kids)
    return found


def measure(cmd: list[str], cwd: Path, interval: float = 0.05) -> dict[str, float]:
    """Run ``cmd``; peak RSS (MB) of it and of its descendants while it runs."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    hwm: dict[int, int] = {}
    peak_sum = 0
    scan = 0
    kids: list[int] = []
    while proc.poll() is None:
        if scan % 10 == 0:  # the process tree rarely changes: list /proc every 0.5 s
            kids = _descendants(proc.pid)
        scan += 1
        now = 0
        for pid in [proc.pid, *kids]:
            st = _status(pid)
            if st:
                hwm[pid] = max(hwm.get(pid, 0), st.get("VmHWM", 0))
                now += st.get("VmRSS", 0)
        peak_sum = max(peak_sum, now)
        time.sleep(interval)
    output = proc.stdout.read().decode("utf-8", "replace") if proc.stdout else ""
    main_kb = hwm.pop(proc.pid, 0)
    child_kb = max(hwm.values(), default=0)
    return {
        "seconds": time.perf_counter() - t0,
        "rc": proc.returncode,
        "main": main_kb / 1024,
        "reader": child_kb / 1024,
        "sum_hwm": (main_kb + sum(hwm.values())) / 1024,
        "peak_sum": peak_sum / 1024,
        "children": len(hwm),
        "output": output,
    }


def generate(folder: Path, fmt: str, size_mb: float) -> tuple[Path, int]:
    n = int(size_mb * 1e6 / BYTES_PER_MESSAGE[fmt]) // import_bench.PER_SESSION * import_bench.PER_SESSION
    path = folder / (f"{fmt}_{size_mb:g}MB.tsv" if fmt == "jddc" else f"{fmt}_{size_mb:g}MB.csv")
    if not path.exists():
        t = time.perf_counter()
        gen = {
            "qianniu": import_bench.gen_qianniu_csv,
            "jddc": import_bench.gen_jddc_tsv,
            "returning": gen_returning_csv,
        }
        gen[fmt](path, n)
        print(
            f"generated {path.name}: {n:,} messages, {path.stat().st_size / 1e6:,.0f} MB "
            f"in {time.perf_counter() - t:.0f}s",
            flush=True,
        )
    return path, n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=float, action="append", help="file size in MB (repeatable; default 250)")
    ap.add_argument("--format", choices=["qianniu", "jddc", "returning"], default="qianniu")
    ap.add_argument("--dir", default="/tmp/cxdesk-mem", help="folder for the generated files and stores")
    ap.add_argument("--root", default=str(ROOT), help="checkout whose main.py imports (to compare versions)")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    args = ap.parse_args()
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}; "
        f"code: {args.root}",
        flush=True,
    )
    for size in args.size_mb or [250.0]:
        path, n = generate(folder, args.format, size)
        db = folder / "m.sqlite3"
        for ext in ("", "-wal", "-shm"):
            Path(f"{db}{ext}").unlink(missing_ok=True)
        load = os.getloadavg()[0]
        r = measure([sys.executable, "main.py", "import", str(path), "--db", str(db), "--quiet"], Path(args.root))
        tail = r["output"].strip().splitlines()[-1:] if r["rc"] else []
        print(
            f"{path.name} ({path.stat().st_size / 1e6:,.0f} MB, {n:,} messages): exit {r['rc']} in "
            f"{r['seconds']:.0f}s = {n / r['seconds']:,.0f} msgs/s; peak RSS importer {r['main']:.0f} MB + "
            f"reader {r['reader']:.0f} MB = {r['main'] + r['reader']:.0f} MB (largest simultaneous sum "
            f"{r['peak_sum']:.0f} MB, {r['children']} child process(es)); load before {load:.2f} {tail}",
            flush=True,
        )
        for ext in ("", "-wal", "-shm"):
            Path(f"{db}{ext}").unlink(missing_ok=True)
        if not args.keep:
            path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
