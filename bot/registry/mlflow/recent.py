"""The metrics of a few listed versions' source runs, for a PR body's metric history, in one
run search. Best effort: the history is informational, so a run the search does not find
(another experiment, deleted) only leaves that version's metrics empty.

MLflow searches runs within given experiments only, and a model version does not name its
run's experiment: the experiments of the runs already fetched (the candidate's, read by
``complete``; the newest listed version's run is read if it was not) are the ones searched.
A client without run search reads the runs one by one instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
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
    metrics: Sequence[str],
    known: Mapping[str, Run | None],
    get_run: Callable[[str], Run | None],
    search: Callable[..., Any] | None,
) -> list[ModelVersion]:
    """``listed`` with each source run's ``metrics``. ``known`` holds the runs fetched so far
    (by run id), ``get_run`` fetches one (and caches it there), ``search`` is the client's
    ``search_runs`` or None."""
    if not metrics:
        return list(listed)
    ids = [mv.run_id for mv in listed if mv.run_id]
    if ids:
        get_run(ids[0])  # cached when ``complete`` read it: names the experiment to search
    if search is None:
        for run_id in ids:
            get_run(run_id)
    runs = {run_id: run for run_id, run in dict(known).items() if run is not None}
    where = run_filter(r for r in ids if r not in runs)
    experiments = sorted({str(run.info.experiment_id) for run in runs.values()})
    if search is not None and where is not None and experiments:
        for run in search(experiment_ids=experiments, filter_string=where, max_results=len(ids)):
            runs[run.info.run_id] = run
    out = []
    for mv in listed:
        run = runs.get(mv.run_id or "")
        found = run.data.metrics if run is not None else {}
        out.append(replace(mv, metrics={m: float(found[m]) for m in metrics if m in found}))
    return out
