"""A first look at a store: the heading of the plan that will open, without pydantic.

Building the pydantic models costs every process some 0.2 s before it can validate a single
plan, and a large store takes as long again to validate. The UI does not wait for either to
draw its first frame: it reads the store file here (parsing it once, for the repository to
validate afterwards), draws the plan's heading, and has the models built and the store
validated in a thread.

A first look is only a preview. Anything unexpected (no file, an empty or damaged store, an
older layout that needs migrating, a plan asked for that is not there) gives None, and the
caller opens the store the ordinary way, which says what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from store.errors import StoreError
from store.storage import SCHEMA_VERSION, AtomicJSONStorage

if TYPE_CHECKING:
    from store.models import Plan


@dataclass(frozen=True)
class PlanHeading:
    """What the dashboard's heading and the section bar say about a plan."""

    plan_id: str
    name: str
    authority: str
    framework: str = ""
    published_on: date | None = None
    judgements: tuple[tuple[str, str], ...] = ()
    """(criterion, judgement) in the inspection's order."""
    board: str = ""
    cadence: str = ""
    chair: str = ""
    reported_on: date | None = None
    """The day the plan's figures were reported, which it is assessed as of unless told another."""

    @property
    def has_inspection(self) -> bool:
        return bool(self.framework)

    @classmethod
    def of(cls, plan: Plan) -> PlanHeading:
        """The heading of a validated plan."""
        inspection, governance = plan.inspection, plan.governance
        return cls(
            plan_id=plan.id,
            name=plan.name,
            authority=plan.authority,
            framework=inspection.framework if inspection else "",
            published_on=inspection.published_on if inspection else None,
            judgements=tuple((j.criterion, j.judgement.value) for j in inspection.judgements)
            if inspection
            else (),
            board=governance.board if governance else "",
            cadence=governance.cadence if governance else "",
            chair=governance.chair if governance else "",
            reported_on=plan.reported_on,
        )

    @classmethod
    def from_document(cls, document: dict[str, Any]) -> PlanHeading | None:
        """The heading of a plan as stored, or None if a field it shows is missing or of the
        wrong type. Only a preview: the repository validates everything else (a judgement off
        the scale, say) and says what is wrong, after the heading has been shown."""
        inspection = document.get("inspection")
        governance = document.get("governance")
        inspection = {} if inspection is None else inspection
        governance = {} if governance is None else governance
        if not isinstance(inspection, dict) or not isinstance(governance, dict):
            return None
        try:
            published = inspection.get("published_on")
            reported = document.get("reported_on")
            heading = cls(
                plan_id=document["id"],
                name=document["name"],
                authority=document["authority"],
                framework=inspection.get("framework", ""),
                published_on=None if published is None else date.fromisoformat(published),
                judgements=tuple(
                    (judgement["criterion"], judgement["judgement"])
                    for judgement in inspection.get("judgements", [])
                ),
                board=governance.get("board", ""),
                cadence=governance.get("cadence", ""),
                chair=governance.get("chair", ""),
                reported_on=None if reported is None else date.fromisoformat(reported),
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            return None
        texts = [heading.plan_id, heading.name, heading.authority, heading.framework]
        texts += [heading.board, heading.cadence, heading.chair]
        texts += [text for pair in heading.judgements for text in pair]
        if not all(isinstance(text, str) for text in texts) or not (heading.name and heading.authority):
            return None
        return heading


@dataclass(frozen=True)
class FirstLook:
    """The heading to draw now, and the storage holding the parsed file for the repository."""

    heading: PlanHeading
    storage: AtomicJSONStorage
    token: str | None = None
    """The commit token of the store as looked at (whatever is worked out from it must match)."""


def first_look(path: Path, plan_id: str | None = None) -> FirstLook | None:
    """Parse the store at ``path`` and find the plan the UI will open (``plan_id``, or the one
    :meth:`store.repository.Repository.default_plan_id` picks: the latest to start).

    None when there is nothing simple to show; never raises for a bad store."""
    storage = AtomicJSONStorage(path)
    try:
        data = storage.load()
    except (StoreError, OSError):
        return None
    meta = data.get("meta", {}).get("1")
    if not isinstance(meta, dict) or type(meta.get("schema_version")) is not int:
        return None
    if meta["schema_version"] != SCHEMA_VERSION:
        return None
    documents = [doc for doc in data.get("plans", {}).values() if isinstance(doc.get("id"), str)]
    if plan_id is not None:
        documents = [doc for doc in documents if doc["id"] == plan_id]
    if not documents:
        return None
    try:
        document = max(documents, key=lambda doc: (date.fromisoformat(doc["starts_on"]), doc["id"]))
    except (KeyError, TypeError, ValueError):
        return None
    heading = PlanHeading.from_document(document)
    token = meta.get("commit")
    return FirstLook(heading, storage, token if isinstance(token, str) else None) if heading else None
