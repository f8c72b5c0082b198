"""The model's growth for plans started from a report: a recommendation's addressee and
source, an inspection's lead inspector, and every grade wording Ofsted has used."""

from __future__ import annotations

import orjson
import pytest
from pydantic import ValidationError

from sample_plans import list_samples, load_sample
from store.models import (
    Addressee,
    CriterionJudgement,
    Inspection,
    Judgement,
    PlanFile,
    Recommendation,
    RecommendationSource,
)


@pytest.mark.parametrize(
    ("wording", "grade"),
    [
        ("Requires improvement to be good", Judgement.REQUIRES_IMPROVEMENT),
        ("Requires improvement", Judgement.REQUIRES_IMPROVEMENT),
        ("REQUIRES IMPROVEMENT", Judgement.REQUIRES_IMPROVEMENT),
        ("requires  improvement to be good", Judgement.REQUIRES_IMPROVEMENT),
        ("outstanding", Judgement.OUTSTANDING),
        ("Good", Judgement.GOOD),
        ("inadequate", Judgement.INADEQUATE),
    ],
)
def test_every_grade_wording_is_read_ignoring_case(wording: str, grade: Judgement) -> None:
    assert CriterionJudgement(criterion="Overall effectiveness", judgement=wording).judgement is grade


def test_a_wording_that_is_no_grade_is_refused() -> None:
    with pytest.raises(ValidationError):
        CriterionJudgement(criterion="Overall effectiveness", judgement="Satisfactory plus")


def test_addressee_and_source_are_read_in_any_spelling_and_written_only_when_set() -> None:
    rec = Recommendation(number=135, text="Evaluate training.", addressee="LSCB", source="Peer review")
    assert rec.addressee is Addressee.LSCB and rec.source is RecommendationSource.PEER_REVIEW
    assert rec.model_dump(mode="json")["addressee"] == "lscb"
    assert (
        Addressee.LSCB.label == "LSCB"
        and Addressee.SAFEGUARDING_PARTNERSHIP.label == "Safeguarding partnership"
    )
    plain = Recommendation(number=1, text="Improve plans.")
    assert "addressee" not in plain.model_dump(mode="json") and "source" not in plain.model_dump()
    assert "lead_inspector" not in Inspection(framework="ILACS").model_dump(mode="json")
    with pytest.raises(ValidationError):
        Recommendation(number=1, addressee="the council")


@pytest.mark.parametrize("name", [name for name, _title in list_samples()])
def test_plan_files_written_before_the_new_fields_load_and_write_back_the_same(name: str) -> None:
    plan_file = load_sample(name)
    written = orjson.loads(PlanFile(plan=plan_file.plan).model_dump_json())
    again = PlanFile.model_validate(written)
    assert again == PlanFile(plan=plan_file.plan)
    for rec in written["plan"]["recommendations"]:
        assert set(rec) <= {"number", "text", "impact_evidenced"}
