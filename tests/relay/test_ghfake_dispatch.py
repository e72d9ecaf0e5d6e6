"""The GitHub fake's dispatch route against GitHub's published description of it (vendored)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import requests

from tests.rig.fake_github import FakeGitHub
from tests.rig.ghfake.routes_dispatch import dispatches
from tests.rig.github_rig import TOKEN

VENDORED = Path(__file__).parent / "vendor" / "github-create-dispatch-event.json"
OPERATION = json.loads(VENDORED.read_text())["operation"]
SCHEMA = OPERATION["requestBody"]["content"]["application/json"]["schema"]
EXAMPLE = OPERATION["requestBody"]["content"]["application/json"]["examples"]["default"]["value"]

BODIES = [
    EXAMPLE,
    {"event_type": "model-validated"},
    {"event_type": "model-validated", "client_payload": {"model": "m", "version": "3"}},
    {"event_type": "x" * 100, "client_payload": {}},
    {"event_type": "model-validated", "client_payload": {str(n): n for n in range(10)}},
    {},
    {"event_type": ""},
    {"event_type": "x" * 101},
    {"event_type": 7},
    {"event_type": "e", "client_payload": ["not", "an", "object"]},
    {"event_type": "e", "client_payload": {str(n): n for n in range(11)}},
]


def post(fake: FakeGitHub, body: Any) -> requests.Response:
    return requests.post(
        f"{fake.repo_api}/dispatches",
        json=body,
        headers={"Authorization": f"token {TOKEN}"},
        timeout=10,
    )


@pytest.mark.parametrize("body", BODIES)
def test_fake_accepts_exactly_what_the_schema_accepts(fake_github: FakeGitHub, body: Any) -> None:
    valid = jsonschema.Draft4Validator(SCHEMA).is_valid(body)
    answer = post(fake_github, body)
    documented = {int(code) for code in OPERATION["responses"]}
    assert answer.status_code in documented
    assert answer.status_code == (204 if valid else 422), answer.text
    assert dispatches(fake_github) == ([body] if valid else [])


def test_read_only_token_cannot_dispatch(fake_github: FakeGitHub) -> None:
    fake_github.users["ghp_reader"] = "reader"
    fake_github.permissions["reader"] = "read"
    answer = requests.post(
        f"{fake_github.repo_api}/dispatches",
        json={"event_type": "model-validated"},
        headers={"Authorization": "token ghp_reader"},
        timeout=10,
    )
    assert answer.status_code == 404
    assert dispatches(fake_github) == []


def test_vendored_copy_names_its_source() -> None:
    source = json.loads(VENDORED.read_text())["source"]
    assert source["package"] == "@octokit/openapi"
    assert source["path"] == "/repos/{owner}/{repo}/dispatches"
    assert OPERATION["operationId"] == "repos/create-dispatch-event"
