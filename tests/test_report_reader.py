"""The report reader on the real Ofsted reports in ../shared/reference/ofsted-reports/.

The reports are Crown copyright and are not copied into the project: these tests read them
where they are (or from ``$IPT_OFSTED_REPORTS``) and skip, saying so, when the folder is
absent. ``truth.json`` there gives each report's expected reading; its README says how.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.report_accuracy import reports_folder, score
from store.importers.ofsted_report import read_report
from store.importers.report_plan import default_plan_id, plan_from_reading
from store.models import Addressee, Judgement, PlanFile

FOLDER = reports_folder()
ABSENT = f"the reference reports are not here: {FOLDER} (../shared/reference/ofsted-reports/) is absent"


def _truths() -> list[dict[str, Any]]:
    truth_path = FOLDER / "truth.json"
    if not truth_path.is_file():
        return []
    truths: list[dict[str, Any]] = json.loads(truth_path.read_text(encoding="utf-8"))
    return truths


TRUTHS = _truths()
needs_reports = pytest.mark.skipif(not TRUTHS, reason=ABSENT)


@needs_reports
@pytest.mark.parametrize("truth", TRUTHS, ids=[truth["file"] for truth in TRUTHS])
def test_every_field_of_every_reference_report_is_read_as_printed(truth: dict[str, Any]) -> None:
    reading = read_report(FOLDER / truth["file"])
    result = score(reading, truth)
    assert result.differences == []
    assert result.perfect
    assert reading.seconds < 5  # 1 s is the target (make accuracy); this is slack for a loaded machine


@needs_reports
@pytest.mark.parametrize("truth", TRUTHS[:1] + [t for t in TRUTHS if t["framework"] == "ILACS"][-1:])
def test_a_reference_report_makes_a_valid_plan_file(truth: dict[str, Any], tmp_path: Path) -> None:
    reading = read_report(FOLDER / truth["file"])
    plan = plan_from_reading(reading)
    assert plan.id == default_plan_id(reading)
    assert plan.inspection is not None
    assert plan.inspection.judgements[-1].criterion == "Overall effectiveness"
    assert plan.inspection.judgements[-1].judgement is Judgement(plan.inspection.judgements[-1].judgement)
    addressees = {rec.addressee for rec in plan.recommendations}
    expected = {rec["addressee"] for rec in truth["recommendations"]}
    assert addressees == {Addressee.LSCB if to == "LSCB" else Addressee.LOCAL_AUTHORITY for to in expected}
    again = PlanFile.model_validate_json(PlanFile(plan=plan).model_dump_json())
    assert again.plan == plan
