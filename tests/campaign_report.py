"""Run the bad-input campaign of issue #5 and print what it checked: ``python -m tests.campaign_report``.

Runs ``tests/test_bad_input_campaign.py`` and ``tests/test_markup_campaign.py`` with
``IPT_CAMPAIGN_EXAMPLES`` (1000 unless ``--examples`` says otherwise) and ``IPT_CAMPAIGN_REPORT``
pointing at a scratch file the tests append to, then adds the lines up into one table: examples
or payload × field checks per check, and findings. Known bugs are strict xfail tests; they are
listed as findings. The exit code is pytest's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

MODULES = ("tests/test_bad_input_campaign.py", "tests/test_markup_campaign.py")


def summarise(lines: list[dict[str, object]]) -> list[tuple[str, int, int]]:
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        totals[str(line["check"])][0] += int(str(line["examples"]))
        totals[str(line["check"])][1] += int(str(line["findings"]))
    return [(check, examples, findings) for check, (examples, findings) in sorted(totals.items())]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "campaign.jsonl"
        report.touch()
        env = {**os.environ, "IPT_CAMPAIGN_EXAMPLES": str(args.examples), "IPT_CAMPAIGN_REPORT": str(report)}
        run = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rxXf", "-p", "no:cacheprovider", *MODULES],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        lines = [json.loads(line) for line in report.read_text().splitlines() if line.strip()]
    print(run.stdout[-6000:])
    known = [line for line in run.stdout.splitlines() if line.startswith(("XFAIL", "XPASS", "FAILED"))]
    print(f"{'check':60} {'examples / checks':>18} {'findings':>9}")
    for check, examples, findings in summarise(lines):
        print(f"{check:60} {examples:>18,} {findings:>9}")
    print(f"\nfindings outside the checks above (strict xfail = known bug, FAILED = new): {len(known)}")
    for line in known:
        print("  " + line[:160])
    return run.returncode


if __name__ == "__main__":
    raise SystemExit(main())
