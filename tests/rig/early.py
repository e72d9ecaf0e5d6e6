"""Session servers launched while pytest collects, instead of one after another at first use.

Collecting the whole suite takes many seconds of one core, and the MLflow and S3 servers take
seconds each to import and start: launched at session start they come up on the other core
meanwhile, and the session fixtures (``mlflow_server``, ``s3_server``) only wait for what is
left. Once collection is done, a server no collected test asks for is stopped; a fixture that
finds no early launch (a test reaching it through ``request.getfixturevalue``, or a run that
skipped this) launches its own, as before. Under pytest-xdist each worker runs these hooks for
itself, so each worker has its own servers, as each had its own session fixtures.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.rig.services import Launched

Launcher = Callable[[pytest.TempPathFactory], Launched]

_LAUNCHED = pytest.StashKey[dict[str, Launched]]()


def launch(config: pytest.Config, launchers: dict[str, Launcher]) -> None:
    """Launch each server, keyed by the name of the session fixture that will take it."""
    if config.option.collectonly:
        return
    # The same factory the ``tmp_path_factory`` fixture hands out (set up by pytest's tmpdir
    # plugin at configure time), so the servers' logs stay beside the session's other files.
    factory: pytest.TempPathFactory = config._tmp_path_factory  # type: ignore[attr-defined]
    launched = config.stash.setdefault(_LAUNCHED, {})
    try:
        for fixture, launcher in launchers.items():
            launched[fixture] = launcher(factory)
    except BaseException:
        stop_all(config)
        raise


def take(config: pytest.Config, fixture: str) -> Launched | None:
    """The early launch for ``fixture``, handed over once (its fixture stops it)."""
    return config.stash.get(_LAUNCHED, {}).pop(fixture, None)


def keep_only_used(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Stop the early launches no collected test needs."""
    launched = config.stash.get(_LAUNCHED, {})
    used = {name for item in items for name in getattr(item, "fixturenames", ())}
    for fixture in [name for name in launched if name not in used]:
        launched.pop(fixture).service.stop()


def stop_all(config: pytest.Config) -> None:
    """Stop what no fixture took (the session ends, or launching failed half-way)."""
    launched = config.stash.get(_LAUNCHED, {})
    while launched:
        launched.popitem()[1].service.stop()
