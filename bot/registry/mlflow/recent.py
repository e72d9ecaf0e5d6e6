"""The metrics of a few listed versions' source runs in one search, for a PR body's metric
history. Best effort: the history is informational, so a run the search does not find (another
experiment, deleted) only leaves that version's metrics empty.

MLflow searches runs within given experiments only, and a model version does not name its
run's experiment: the experiments of runs already fetched (the candidate's, by ``complete``)
are the ones searched.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot.model import ModelVersion

if TYPE_CHECKING:
    from mlflow.entities import Run

# MLflow run ids are 32 hex digits; anything else from the registry stays out of the filter.
_RUN_ID = re.compile(r"[0-9a-f]{32}")


def run_filter(run_ids: Iterable[str]) -> str | None:
    """The search filter naming ``run_ids`` (the well-formed ones), or None if there are none."""
    ids = sorted({r for r in run_ids if _RUN_ID.fullmatch(r)})
    if not ids:
        return None
    return "attributes.run_id IN (" + ", ".join(f"'{r}'" for r in ids) + ")"


def with_metrics(
    listed: Sequence[ModelVersion],
    known: dict[str, Run | None],
    search: Callable[..., Any],
    metrics: Sequence[str],
) -> list[ModelVersion]:
    """``listed`` with each source run's ``metrics``: runs in ``known`` (fetched already) cost
    nothing, the others one ``search`` (``MlflowClient.search_runs``) in known experiments."""
    if not metrics:
        return list(listed)
    runs = {run_id: run for run_id, run in known.items() if run is not None}
    wanted = [mv.run_id for mv in listed if mv.run_id and mv.run_id not in runs]
    experiments = sorted({str(run.info.experiment_id) for run in runs.values()})
    where = run_filter(wanted)
    if where is not None and experiments:
        for run in search(experiment_ids=experiments, filter_string=where, max_results=len(listed)):
            runs[run.info.run_id] = run
    out = []
    for mv in listed:
        run = runs.get(mv.run_id or "")
        found = run.data.metrics if run is not None else {}
        values = {name: float(found[name]) for name in metrics if name in found}
        out.append(replace(mv, metrics=values))
    return out
