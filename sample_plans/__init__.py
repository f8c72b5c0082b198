"""Sample improvement plans built from public council papers, shipped as native plan files.

Each ``<id>.json`` in this package is a :class:`~store.models.PlanFile` whose plan id is the
file's stem. Figures come from the councils' papers; owners, dates and statuses are
illustrative, as each plan's ``description`` says.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from store.models import PlanFile

SAMPLES: dict[str, str] = {
    "oldham-2019": "Oldham, ILACS 2019: seven recommendations, six themes, investment and Month 3 monitoring",
    "leicestershire-2017": "Leicestershire, SIF 2016: 17 recommendations, progress items a-n, £2.5m growth",
    "dorset-2017": "Dorset, 2017: four themes, looked-after children budget history and funding",
    "lewisham-2018": "Lewisham, 2018: five priorities, overspend by area, benchmarks against neighbours",
    "middlesbrough-2021": "Middlesbrough, 2021: seven-indicator scorecard with three years of targets",
}
"""Sample id -> one line on what it shows, in the order they are listed."""


def _resource(name: str) -> Traversable:
    if name not in SAMPLES:
        available = ", ".join(SAMPLES)
        raise KeyError(f"no sample plan called {name!r}; available: {available}")
    return resources.files(__name__).joinpath(f"{name}.json")


def sample_path(name: str) -> Path:
    """Where the sample plan file ``name`` is installed; ``KeyError`` for an unknown name."""
    return Path(str(_resource(name)))


def load_sample(name: str) -> PlanFile:
    """The sample plan ``name``, validated; ``KeyError`` naming the available samples if unknown."""
    return PlanFile.model_validate_json(_resource(name).read_bytes())


def list_samples() -> list[tuple[str, str]]:
    """Every sample as ``(id, plan name)``, in :data:`SAMPLES` order."""
    return [(name, load_sample(name).plan.name) for name in SAMPLES]
