"""Fuzz the risk-rule checker: ≥ 5,000 generated patterns, each refused clearly or matched safely.

The property is the suite's (``tests/test_rule_safety.py``: ``PATTERNS``,
``check_generated``): for a generated pattern (regex metacharacters, Python-only
constructs such as lookarounds and backreferences, letters, 汉字, emoji, a lone
surrogate), ``check_pattern`` either raises ``RuleError`` with a Chinese reason
or returns an RE2 matcher whose spans on a 2,000-character hostile text (runs of
``a``, 汉字, emoji, line breaks) are in bounds and in order; any other exception
fails the run (hypothesis prints the smallest pattern that shows it).

    python bench/fuzz_rules.py [--examples 5000] [--seed 14]

Not a test: figures go to bench/README.md ("## Fuzzing", "### 规则检查 / rule checker").
"""

from __future__ import annotations

import argparse
import os
import re
import platform
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _time(func, arg) -> float:
    started = time.perf_counter()
    func(arg)
    return time.perf_counter() - started


def _reason(pattern: str) -> str:
    """The refusal reason in a few words (for the tally)."""
    from cxdesk.analysis.risk_rules import RuleError, check_pattern

    try:
        check_pattern(pattern)
    except RuleError as exc:
        reason = str(exc).split("不能使用：", 1)[-1].removeprefix("RE2 无法识别：")
        return re.split("[（：，；]", reason, maxsplit=1)[0][:16]
    return "?"


def fuzz(examples: int, seed_value: int) -> tuple[Counter, Counter, list[tuple[float, str]], float]:
    """Run the property; (outcomes, refusal reasons, (seconds, pattern) of accepted cases, seconds)."""
    from hypothesis import HealthCheck, given, seed, settings

    from tests.test_rule_safety import PATTERNS, check_generated

    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    timed: list[tuple[float, str]] = []

    @seed(seed_value)
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(PATTERNS)
    def run(pattern: str) -> None:
        started = time.perf_counter()
        outcome = check_generated(pattern)  # "refused" or "accepted"; any other exception fails the run
        took = time.perf_counter() - started
        outcomes[outcome] += 1
        if outcome == "refused":
            reasons[_reason(pattern)] += 1
        else:
            timed.append((took, pattern))

    started = time.perf_counter()
    run()
    return outcomes, reasons, timed, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    from importlib.metadata import version

    from tests.test_rule_safety import ADVERSARIAL, check_generated

    outcomes, reasons, timed, seconds = fuzz(args.examples, args.seed)
    cases = sum(outcomes.values())
    print(
        f"cases {cases:,}  refused {outcomes['refused']:,}  accepted {outcomes['accepted']:,}  "
        f"(no other exception)  seconds {seconds:.1f}  ({seconds / max(cases, 1) * 1000:.2f} ms per case)"
    )
    # One pass is noisy on a shared machine: re-time the 20 slowest accepted cases, best of 3.
    retimed = sorted((min(_time(check_generated, p) for _ in range(3)), p) for _, p in sorted(timed)[-20:])
    if retimed:
        print(
            f"slowest accepted case (check + match on {len(ADVERSARIAL):,} characters, best of 3): "
            f"{retimed[-1][0] * 1000:.1f} ms for {retimed[-1][1]!r}; median case "
            f"{sorted(t for t, _ in timed)[len(timed) // 2] * 1000:.2f} ms"
        )
    print("most common refusals: " + "; ".join(f"{r} {n:,}" for r, n in reasons.most_common(8)))
    print(
        f"machine: {os.cpu_count()} cores, Python {platform.python_version()}, google-re2 {version('google-re2')}, "
        f"hypothesis {version('hypothesis')}, {platform.system()} {platform.release()} {platform.machine()}, "
        f"load avg {os.getloadavg()[0]:.2f}, seed {args.seed}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
