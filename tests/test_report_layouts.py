"""The report reader's layout rules, each on a small PDF written for it (see tests/report_pdfs.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from store.importers.ofsted_report import (
    FOCUSED_VISIT,
    ILACS,
    LOCAL_AUTHORITY,
    LSCB,
    SIF,
    ReportError,
    parse_date_range,
    read_report,
)
from store.models import Judgement
from tests.report_pdfs import (
    CARE_LEAVERS_CRITERIA,
    PAGE_BREAK,
    ReportPdf,
    ilacs_body,
    ilacs_opening,
    sif_opening,
)

FOOTER = "Inspection of Northwold local authority children\u2019s services 3 to 14 March 2025 {page}"


def texts(path: Path) -> list[str]:
    return [rec.text for rec in read_report(path).recommendations]


def test_an_ilacs_report_gives_its_authority_dates_judgements_and_bullets(tmp_path: Path) -> None:
    report = ReportPdf(footer=FOOTER)
    ilacs_opening(report)
    report.heading("What needs to improve?")
    report.item("\u2022", ["The timeliness of assessments for children’s ‘front door’ work."])
    report.item("\u2022", ["Supervision that is regular \u2013 and recorded."])
    ilacs_body(report)
    reading = read_report(report.save(tmp_path / "r.pdf"))
    assert reading.framework == ILACS
    assert reading.local_authority == "Northwold"
    assert (reading.started_on, reading.ended_on) == (date(2025, 3, 3), date(2025, 3, 14))
    assert reading.published_on is None
    assert reading.lead_inspector == "Alex Sample"
    assert [(j.criterion, j.grade) for j in reading.judgements] == [
        ("The impact of leaders on social work practice with children and families", Judgement.GOOD),
        (
            "The experiences and progress of children who need help and protection",
            Judgement.REQUIRES_IMPROVEMENT,
        ),
        ("The experiences and progress of children in care and care leavers", Judgement.GOOD),
    ]
    assert reading.overall is not None and reading.overall.grade is Judgement.GOOD
    assert [(rec.number, rec.text, rec.addressee) for rec in reading.recommendations] == [
        (1, "The timeliness of assessments for children’s ‘front door’ work.", LOCAL_AUTHORITY),
        (2, "Supervision that is regular \u2013 and recorded.", LOCAL_AUTHORITY),
    ]


def test_care_leavers_judged_separately_give_four_criteria(tmp_path: Path) -> None:
    report = ReportPdf()
    ilacs_opening(
        report,
        criteria=CARE_LEAVERS_CRITERIA,
        grades=("Good", "Good", "Outstanding", "Requires improvement to be good"),
    )
    report.heading("What needs to improve?")
    report.item("\u2022", ["Help for older care leavers."])
    ilacs_body(report)
    reading = read_report(report.save(tmp_path / "r.pdf"))
    assert [(j.criterion, j.printed) for j in reading.judgements][2:] == [
        ("The experiences and progress of children in care", "Outstanding"),
        ("The experiences and progress of care leavers", "Requires improvement to be good"),
    ]


def test_a_judgements_table_with_overall_effectiveness_first(tmp_path: Path) -> None:
    report = ReportPdf()
    ilacs_opening(report, overall="Inadequate", overall_first=True)
    report.heading("What needs to improve?")
    report.item("\u2022", ["Everything."])
    ilacs_body(report)
    reading = read_report(report.save(tmp_path / "r.pdf"))
    assert reading.overall is not None and reading.overall.grade is Judgement.INADEQUATE
    assert len(reading.judgements) == 3


def test_a_bullet_over_a_page_break_is_one_recommendation_without_the_header_and_footer(
    tmp_path: Path,
) -> None:
    report = ReportPdf(header="Inspection of Northwold local authority children’s services", footer=FOOTER)
    ilacs_opening(report)
    report.heading("What needs to improve?")
    report.item("\u2022", ["The first area for improvement."])
    report.item("\u2022", ["The second area, which goes on over the", PAGE_BREAK, "page break to end here."])
    report.item("\u2022", ["The third area."])
    ilacs_body(report)
    assert texts(report.save(tmp_path / "r.pdf")) == [
        "The first area for improvement.",
        "The second area, which goes on over the page break to end here.",
        "The third area.",
    ]


def test_a_hyphen_at_a_line_end_joins_the_word_and_stays(tmp_path: Path) -> None:
    report = ReportPdf()
    ilacs_opening(report)
    report.heading("What needs to improve?")
    report.item("\u2022", ["Work with partners in the multi-", "agency safeguarding hub."])
    report.item("\u2022", ["Plans for the short- and long-", "term needs of children."])
    report.item("\u2022", ["Plans that say who does what for children in short-", "and long-term care."])
    ilacs_body(report)
    assert texts(report.save(tmp_path / "r.pdf")) == [
        "Work with partners in the multi-agency safeguarding hub.",
        "Plans for the short- and long-term needs of children.",
        "Plans that say who does what for children in short- and long-term care.",
    ]


def test_sub_bullets_fold_into_their_item_and_footnote_markers_go(tmp_path: Path) -> None:
    report = ReportPdf()
    ilacs_opening(report)
    report.heading("What needs to improve?")
    report.item("\u2022", ["Implement the areas from the previous inspection:"], superscript="3")
    report.item("-", ["improve the quality of plans"], x=30)
    report.item("-", ["improve the timeliness of reviews."], x=30)
    report.item("\u2022", ["The response to homeless young people."])
    ilacs_body(report)
    assert texts(report.save(tmp_path / "r.pdf")) == [
        "Implement the areas from the previous inspection: improve the quality of plans "
        "improve the timeliness of reviews.",
        "The response to homeless young people.",
    ]


def test_an_outstanding_ilacs_report_may_have_no_recommendations(tmp_path: Path) -> None:
    report = ReportPdf()
    ilacs_opening(report, grades=("Outstanding",) * 3, overall="Outstanding")
    ilacs_body(report)
    assert read_report(report.save(tmp_path / "r.pdf")).recommendations == ()


def test_a_sif_report_keeps_the_lscb_recommendations_apart_with_the_reports_numbers(tmp_path: Path) -> None:
    report = ReportPdf(footer="{page}")
    sif_opening(report)
    report.new_page()
    report.heading("Section 1: The local authority - Summary of findings", size=16)
    report.item("1.", ["The local authority knows its services well."])
    report.heading("What does the local authority need to improve?", size=14)
    report.heading("Priority and immediate action", size=11)
    report.line("The inspection did not find any areas for priority and immediate action.")
    report.heading("Areas for improvement", size=11)
    report.item("2.", ["Improve the quality of assessments so that risk", "is understood."])
    report.item("3.", ["Reduce delay for children waiting for adoption."])
    report.heading("The local authority has the following strengths:", size=11)
    report.item("4.", ["Children at risk of harm are seen quickly."])
    report.new_page()
    report.heading("Section 2: The effectiveness of the Local Safeguarding\nChildren Board", size=16)
    report.heading("The Local Safeguarding Children Board (LSCB) requires\nimprovement", size=14)
    report.heading("Areas for improvement", size=11)
    report.item("40.", ["Evaluate the impact of multi-agency training."])
    report.item("41.", ["Publish the annual report on time."])
    report.heading("Key strengths and weaknesses of the LSCB", size=11)
    report.item("42.", ["The board is well chaired."])
    reading = read_report(report.save(tmp_path / "r.pdf"))
    assert reading.framework == SIF
    assert reading.local_authority == "Eastmarch County Council"
    assert reading.published_on == date(2014, 8, 8)
    assert reading.overall is not None and reading.overall.printed == "Requires improvement"
    assert reading.overall.grade is Judgement.REQUIRES_IMPROVEMENT
    assert [(j.criterion, j.grade) for j in reading.judgements] == [
        ("Children who need help and protection", Judgement.REQUIRES_IMPROVEMENT),
        ("Children looked after and achieving permanence", Judgement.GOOD),
        ("Adoption performance", Judgement.GOOD),
        ("Experiences and progress of care leavers", Judgement.REQUIRES_IMPROVEMENT),
        ("Leadership, management and governance", Judgement.REQUIRES_IMPROVEMENT),
        ("The Local Safeguarding Children Board (LSCB)", Judgement.REQUIRES_IMPROVEMENT),
    ]
    assert [(rec.number, rec.addressee) for rec in reading.recommendations] == [
        (2, LOCAL_AUTHORITY),
        (3, LOCAL_AUTHORITY),
        (40, LSCB),
        (41, LSCB),
    ]
    assert reading.recommendations[0].text == "Improve the quality of assessments so that risk is understood."


def test_a_focused_visit_has_no_grades_but_its_areas_for_priority_action(tmp_path: Path) -> None:
    report = ReportPdf()
    report.line("Focused visit to Northwold local authority children\u2019s services", size=16, bold=True)
    report.line("Inspection dates: 12 and 13 June 2019", bold=True)
    report.line("Lead inspector: Alex Sample", bold=True)
    report.paragraph("This letter summarises the findings of the focused visit.")
    report.heading("Areas for priority action")
    report.item("\u2022", ["The response to children at risk of harm out of hours."])
    report.heading("What needs to improve in this area of social work practice?")
    report.item("\u2022", ["The quality of plans."])
    report.item("\u2022", ["Management oversight."])
    report.heading("Findings")
    report.paragraph("Made-up findings.")
    reading = read_report(report.save(tmp_path / "r.pdf"))
    assert reading.framework == FOCUSED_VISIT
    assert reading.local_authority == "Northwold"
    assert (reading.started_on, reading.ended_on) == (date(2019, 6, 12), date(2019, 6, 13))
    assert reading.judgements == () and reading.overall is None
    assert [rec.text for rec in reading.recommendations] == [
        "The response to children at risk of harm out of hours.",
        "The quality of plans.",
        "Management oversight.",
    ]


def test_a_report_without_its_recommendations_section_is_refused_naming_it(tmp_path: Path) -> None:
    report = ReportPdf()
    ilacs_opening(report)
    ilacs_body(report)
    with pytest.raises(ReportError, match=r"no 'What needs to improve\?' section"):
        read_report(report.save(tmp_path / "r.pdf"))


def test_a_report_without_its_judgements_table_is_refused_naming_it(tmp_path: Path) -> None:
    report = ReportPdf()
    report.line("Inspection of Northwold local authority children\u2019s services", size=18, bold=True)
    report.line("Inspection dates: 3 to 14 March 2025", bold=True)
    report.heading("What needs to improve?")
    report.item("\u2022", ["Something."])
    with pytest.raises(ReportError, match=r"no judgements table"):
        read_report(report.save(tmp_path / "r.pdf"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9 to 20 May 2022", (date(2022, 5, 9), date(2022, 5, 20))),
        ("26 October \u2013 19 November 2015", (date(2015, 10, 26), date(2015, 11, 19))),
        ("2 June 2014 \u2013 25 June 2014", (date(2014, 6, 2), date(2014, 6, 25))),
        ("20 June 2017 \u2500 13 July 2017", (date(2017, 6, 20), date(2017, 7, 13))),
        ("23 April 2018 to 04 May 2018", (date(2018, 4, 23), date(2018, 5, 4))),
        ("28 December to 8 January 2020", (date(2019, 12, 28), date(2020, 1, 8))),
        ("12 and 13 June 2019", (date(2019, 6, 12), date(2019, 6, 13))),
        ("5 March 2019", (date(2019, 3, 5), date(2019, 3, 5))),
        ("soon", None),
    ],
)
def test_inspection_date_ranges_in_every_printed_form(text: str, expected: tuple[date, date] | None) -> None:
    assert parse_date_range(text) == expected


def test_word_style_o_sub_bullets_fold_and_a_leading_the_leaves_the_authority(tmp_path: Path) -> None:
    report = ReportPdf()
    ilacs_opening(report, authority="the Royal Borough of Northwold")
    report.heading("What needs to improve?")
    report.item("\u2022", ["The quality of plans, including:"])
    report.item("o", ["contingency plans"], x=30)
    report.item("o", ["timescales."], x=30)
    report.item("\u2022", ["outcomes for care leavers, which start lower case."])
    ilacs_body(report)
    reading = read_report(report.save(tmp_path / "r.pdf"))
    assert reading.local_authority == "Royal Borough of Northwold"
    assert [rec.text for rec in reading.recommendations] == [
        "The quality of plans, including: contingency plans timescales.",
        "outcomes for care leavers, which start lower case.",
    ]


def test_the_lscb_grade_is_read_from_a_sentence_that_ends_with_it(tmp_path: Path) -> None:
    report = ReportPdf()
    sif_opening(report)
    report.new_page()
    report.heading("Recommendations", size=14)
    report.item("1.", ["Improve assessments."])
    report.heading("The Local Safeguarding Children Board", size=14)
    report.paragraph("The LSCB is good at sharing its learning with schools.", "Overall, the LSCB is good.")
    reading = read_report(report.save(tmp_path / "r.pdf"))
    assert (reading.judgements[-1].criterion, reading.judgements[-1].grade) == ("The LSCB", Judgement.GOOD)


def test_a_focused_visit_letter_gives_its_dates_in_a_sentence(tmp_path: Path) -> None:
    report = ReportPdf()
    for line in ("Ofsted", "Piccadilly Gate", "Store Street", "Manchester", "Dear Ms Sample"):
        report.line(line)
    report.line("Focused visit to Northwold children\u2019s services", size=14, bold=True)
    report.paragraph(
        "This letter summarises the findings of the focused visit to Northwold children\u2019s",
        "services on 30 April and 1 May 2019.",
    )
    report.heading("Areas for improvement")
    report.item("\u2022", ["The quality of plans."])
    report.heading("Findings")
    report.paragraph("Made-up findings.")
    reading = read_report(report.save(tmp_path / "r.pdf"))
    assert (reading.framework, reading.local_authority) == (FOCUSED_VISIT, "Northwold")
    assert (reading.started_on, reading.ended_on) == (date(2019, 4, 30), date(2019, 5, 1))
    assert [rec.text for rec in reading.recommendations] == ["The quality of plans."]


def test_a_reading_that_breaks_the_plans_rules_is_refused_not_raised(tmp_path: Path) -> None:
    from dataclasses import replace

    from store.importers.ofsted_report import ReportRecommendation
    from store.importers.report_plan import plan_from_reading

    report = ReportPdf()
    ilacs_opening(report)
    report.heading("What needs to improve?")
    report.item("\u2022", ["Something."])
    ilacs_body(report)
    reading = read_report(report.save(tmp_path / "r.pdf"))
    too_high = replace(reading, recommendations=(ReportRecommendation(1200, "Something."),))
    with pytest.raises(ReportError, match=r"r.pdf: recommendation 1200 cannot be kept: number: .* 999"):
        plan_from_reading(too_high, source_name="r.pdf")


@pytest.mark.parametrize(
    ("sentence", "printed"),
    [
        ("The overall judgement is that children\u2019s services are inadequate", "Inadequate"),
        ("The overall judgement is requires improvement", "Requires improvement"),
        ("Children\u2019s services in Eastmarch are good", "Good"),
        (
            "Children’s services in Eastmarch require improvement to be good",
            "Requires improvement to be good",
        ),
    ],
)
def test_the_sif_overall_judgement_in_each_wording(tmp_path: Path, sentence: str, printed: str) -> None:
    report = ReportPdf()
    sif_opening(report, overall=sentence)
    report.new_page()
    report.heading("Recommendations", size=14)
    report.item("1.", ["Improve assessments."])
    reading = read_report(report.save(tmp_path / "r.pdf"))
    assert reading.overall is not None and reading.overall.printed == printed


def test_a_monitoring_visit_letter_is_not_taken_for_an_inspection_report(tmp_path: Path) -> None:
    report = ReportPdf()
    report.line("Monitoring visit to Northwold children\u2019s services", size=14, bold=True)
    report.paragraph("Since the inspection of children\u2019s services in 2019, leaders have worked hard.")
    with pytest.raises(ReportError, match="not an Ofsted inspection report"):
        read_report(report.save(tmp_path / "r.pdf"))


def test_a_judgements_table_written_column_by_column_is_read_by_position(tmp_path: Path) -> None:
    report = ReportPdf()
    ilacs_opening(report, grades=("Inadequate", "Good", "Outstanding"), grades_after_criteria=True)
    report.heading("What needs to improve?")
    report.item("\u2022", ["Everything."])
    ilacs_body(report)
    reading = read_report(report.save(tmp_path / "r.pdf"))
    assert [(j.criterion, j.printed) for j in reading.judgements] == [
        ("The impact of leaders on social work practice with children and families", "Inadequate"),
        ("The experiences and progress of children who need help and protection", "Good"),
        ("The experiences and progress of children in care and care leavers", "Outstanding"),
    ]
    assert reading.overall is not None and reading.overall.printed == "Good"


def test_a_bold_line_inside_an_item_does_not_end_the_list(tmp_path: Path) -> None:
    report = ReportPdf()
    ilacs_opening(report)
    report.heading("What needs to improve?")
    report.item(
        "\u2022",
        ["The response to children at risk of", "Child Criminal Exploitation and gangs."],
        bold_lines=[1],
    )
    report.item("\u2022", ["Manageable caseloads."])
    ilacs_body(report)
    assert texts(report.save(tmp_path / "r.pdf")) == [
        "The response to children at risk of Child Criminal Exploitation and gangs.",
        "Manageable caseloads.",
    ]


def test_a_cover_page_without_text_is_passed_over(tmp_path: Path) -> None:
    report = ReportPdf()
    report.pdf.rect(20, 20, 100, 50, style="F")
    report.new_page()
    ilacs_opening(report)
    report.heading("What needs to improve?")
    report.item("\u2022", ["Manageable caseloads."])
    ilacs_body(report)
    reading = read_report(report.save(tmp_path / "r.pdf"))
    assert (reading.local_authority, reading.pages) == ("Northwold", 2)
    assert [rec.text for rec in reading.recommendations] == ["Manageable caseloads."]
