"""Changes the tracker and the ``ipt`` command both make, each one transaction on the latest
stored state.

- :func:`add_numbered` and :func:`add_recommendation` choose a new entity's id (``A7``,
  ``S31``, recommendation 18) while the store's lock is held, from the ids stored at that
  moment, so two processes adding at once never pick the same one.
- :func:`set_fields` sets only the fields it is given on the entity as stored when the lock
  is taken. It is the edit of a caller without a form (the command line, a script): nothing
  it was not asked to change is written back from an older copy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel

from store.errors import RuleBroken
from store.ids import next_id, next_number
from store.models import Allocation, Recommendation, SpendEntry
from store.repository import KINDS, E, Repository, validated

N = TypeVar("N", bound=Allocation | SpendEntry)


ID_PREFIXES: dict[type[BaseModel], str] = {Allocation: "A", SpendEntry: "S"}
"""The prefix of a new allocation's or spend entry's generated id."""


def add_numbered(
    repo: Repository,
    plan_id: str,
    model: type[N],
    make: Callable[[str], N],
    *,
    by: str,
    key: str | None = None,
) -> N:
    """Add the entity ``make(id)`` returns, with ``key`` as its id or else the next free one,
    chosen under the lock. ``make`` runs inside the transaction: whatever it raises (a refused
    value) leaves the store unchanged. Returns the entity as stored."""
    with repo.transaction(by=by) as txn:
        if key is None:
            key = next_id(ID_PREFIXES[model], (str(used) for used in txn.keys(plan_id, model)))
        entity = make(key)
        txn.add(plan_id, entity)
        return entity


def add_recommendation(
    repo: Repository, plan_id: str, text: str, *, by: str, number: int | None = None
) -> Recommendation:
    """Add a recommendation numbered ``number``, else one more than the highest stored when the
    lock is taken."""
    with repo.transaction(by=by) as txn:
        if number is None:
            number = next_number(int(used) for used in txn.keys(plan_id, Recommendation))
        recommendation = validated(
            Recommendation, {"number": number, "text": text}, f"recommendation {number}"
        )
        txn.add(plan_id, recommendation)
        return recommendation


def set_fields(
    repo: Repository, plan_id: str, model: type[E], key: Any, fields: Mapping[str, Any], *, by: str
) -> E:
    """Set ``fields`` (and nothing else) on the latest stored entity ``key``, validated as a
    whole; refused with :class:`RuleBroken` naming each bad field. Returns the entity as stored."""
    kind = KINDS[model]
    if kind.key_field in fields and fields[kind.key_field] != key:
        raise RuleBroken([f"{kind.noun} {key}: its {kind.key_field} cannot be changed"])

    def change(current: E) -> E:
        return validated(model, {**current.model_dump(), **fields}, f"{kind.noun} {key}")

    return repo.modify(plan_id, model, key, change, by=by)
