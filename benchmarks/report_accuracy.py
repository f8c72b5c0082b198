"""How exactly the inspection report reader reads the real reports, and how fast.

``make accuracy`` (or ``python -m benchmarks.report_accuracy [FOLDER]``) reads every PDF in
the reports folder (default ``$IPT_OFSTED_REPORTS``, else ``../shared/reference/ofsted-reports/``
from the project root), compares each reading with the folder's ``truth.json`` and prints, per
report and in total: judgements right, dates right, recommendations found / expected,
recommendation texts identical after whitespace normalisation, and the seconds taken.
``--verbose`` prints every difference. Exits 1 when any field of any report is wrong or a
report takes 1 s or more; 2 when the folder is missing.

"Requires improvement" and "Requires improvement to be good" count as the same grade, as
the folder's README says.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store.importers.ofsted_report import ReportError, ReportReading, grade_of, read_report

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent.parent / "shared" / "reference" / "ofsted-reports"
TIME_TARGET_SECONDS = 1.0


def reports_folder() -> Path:
    """``$IPT_OFSTED_REPORTS`` if set, else ``../shared/reference/ofsted-reports/``."""
    configured = os.environ.get("IPT_OFSTED_REPORTS")
    return Path(configured) if configured else DEFAULT_FOLDER


def _normal(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Score:
    file: str
    judgements_right: int = 0
    judgements_expected: int = 0
    dates_right: int = 0
    dates_expected: int = 0
    found: int = 0
    expected: int = 0
    texts_identical: int = 0
    seconds: float = 0.0
    differences: list[str] = field(default_factory=list)

    @property
    def perfect(self) -> bool:
        return (
            self.judgements_right == self.judgements_expected
            and self.dates_right == self.dates_expected
            and self.found == self.expected
            and self.texts_identical == self.expected
            and not self.differences
        )


def score(reading: ReportReading, truth: dict[str, Any]) -> Score:
    """One reading against its truth."""
    result = Score(truth["file"], seconds=reading.seconds)
    want_judgements = [(j["criterion"], grade_of(j["grade"])) for j in truth["judgements"]]
    want_judgements.append(("Overall effectiveness", grade_of(truth["overall"])))
    got = [(j.criterion, j.grade) for j in reading.judgements]
    if reading.overall is not None:
        got.append(("Overall effectiveness", reading.overall.grade))
    result.judgements_expected = len(want_judgements) + 2  # and the local authority, the framework
    for pair in want_judgements:
        if pair in got:
            result.judgements_right += 1
        else:
            result.differences.append(f"judgement {pair[0]!r}: expected {pair[1].value}")
    for pair in got:
        if pair not in want_judgements:
            result.differences.append(f"judgement read but not expected: {pair[0]!r} {pair[1].value}")
    for label, want, have in (
        ("local authority", truth["local_authority"], reading.local_authority),
        ("framework", truth["framework"], reading.framework),
    ):
        if want == have:
            result.judgements_right += 1
        else:
            result.differences.append(f"{label}: expected {want!r}, read {have!r}")
    for label, want_date, have_date in (
        ("started_on", truth["started_on"], reading.started_on),
        ("ended_on", truth["ended_on"], reading.ended_on),
        ("published_on", truth["published_on"], reading.published_on),
    ):
        result.dates_expected += 1
        have_text = have_date.isoformat() if have_date else None
        want = want_date
        if want == have_text:
            result.dates_right += 1
        else:
            result.differences.append(f"{label}: expected {want}, read {have_text}")
    expected = {rec["number"]: rec for rec in truth["recommendations"]}
    read = {rec.number: rec for rec in reading.recommendations}
    result.expected = len(expected)
    result.found = len(set(expected) & set(read))
    for number, want_rec in expected.items():
        have_rec = read.get(number)
        if have_rec is None:
            result.differences.append(f"recommendation {number}: not found")
            continue
        if (
            _normal(have_rec.text) == _normal(want_rec["text"])
            and have_rec.addressee == want_rec["addressee"]
        ):
            result.texts_identical += 1
        else:
            result.differences.append(
                f"recommendation {number} ({have_rec.addressee}): read {have_rec.text!r}\n"
                f"    expected ({want_rec['addressee']}) {want_rec['text']!r}"
            )
    for number in sorted(set(read) - set(expected)):
        result.differences.append(f"recommendation {number}: read but not expected: {read[number].text!r}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("folder", nargs="?", type=Path, default=None)
    parser.add_argument("--verbose", "-v", action="store_true", help="print every difference")
    args = parser.parse_args(argv)
    folder: Path = args.folder or reports_folder()
    truth_path = folder / "truth.json"
    if not truth_path.is_file():
        print(f"no reports to measure: {truth_path} is missing", file=sys.stderr)
        return 2
    truths = json.loads(truth_path.read_text(encoding="utf-8"))
    header = f"{'report':48} {'judged':>7} {'dates':>6} {'recs':>7} {'texts':>7} {'seconds':>8}"
    print(header)
    print("-" * len(header))
    scores = []
    for truth in truths:
        try:
            reading = read_report(folder / truth["file"])
        except ReportError as error:
            failed = Score(truth["file"], expected=len(truth["recommendations"]), differences=[str(error)])
            failed.judgements_expected = len(truth["judgements"]) + 3
            failed.dates_expected = 3
            scores.append(failed)
            print(f"{truth['file']:48} refused: {error}")
            continue
        result = score(reading, truth)
        scores.append(result)
        print(
            f"{result.file:48} {result.judgements_right:>3}/{result.judgements_expected:<3} "
            f"{result.dates_right:>2}/{result.dates_expected:<3} {result.found:>3}/{result.expected:<3} "
            f"{result.texts_identical:>3}/{result.expected:<3} {result.seconds:>8.3f}"
        )
        if args.verbose:
            for difference in result.differences:
                print(f"    {difference}")
    print("-" * len(header))
    total = Score("total")
    for result in scores:
        total.judgements_right += result.judgements_right
        total.judgements_expected += result.judgements_expected
        total.dates_right += result.dates_right
        total.dates_expected += result.dates_expected
        total.found += result.found
        total.expected += result.expected
        total.texts_identical += result.texts_identical
        total.seconds = max(total.seconds, result.seconds)
    perfect = sum(result.perfect for result in scores)
    print(
        f"{'total (' + str(perfect) + '/' + str(len(scores)) + ' fully right; slowest s)':48} "
        f"{total.judgements_right:>3}/{total.judgements_expected:<3} "
        f"{total.dates_right:>2}/{total.dates_expected:<3} {total.found:>3}/{total.expected:<3} "
        f"{total.texts_identical:>3}/{total.expected:<3} {total.seconds:>8.3f}"
    )
    print("judged: criteria with the right grade, plus the local authority and the framework")
    slow = [result.file for result in scores if result.seconds >= TIME_TARGET_SECONDS]
    if slow:
        print(f"over {TIME_TARGET_SECONDS:g} s: {', '.join(slow)}")
    return 0 if perfect == len(scores) and not slow else 1


if __name__ == "__main__":
    raise SystemExit(main())
