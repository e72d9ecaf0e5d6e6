"""examples/relay-k8s agrees with the relay: command line, environment, probes, config."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from bot.config import parse
from bot.platform.github import dispatch as github
from bot.relay.commands import relay
from bot.relay.names import HEALTH_PATH, PREVIOUS_SECRET_ENV, SECRET_ENV
from tests.rig.repos import ROOT

EXAMPLE = ROOT / "examples" / "relay-k8s"
KNOWN_ENV = {
    SECRET_ENV,
    PREVIOUS_SECRET_ENV,
    github.APP_ID,
    github.APP_KEY,
    github.APP_KEY_FILE,
    github.APP_INSTALLATION,
    "GITHUB_TOKEN",
    "GITHUB_API_URL",
}


def load(name: str) -> dict[str, Any]:
    data = YAML(typ="safe").load((EXAMPLE / name).read_text())
    assert isinstance(data, dict)
    return data


def container() -> dict[str, Any]:
    (found,) = load("deployment.yaml")["spec"]["template"]["spec"]["containers"]
    return dict(found)


def test_command_line_is_the_relay_command() -> None:
    spec = container()
    assert spec["command"] == ["promote", "relay"]
    ctx = relay.make_context("relay", list(spec["args"]))  # unknown options fail here
    (port,) = spec["ports"]
    assert ctx.params["port"] == port["containerPort"]
    assert ctx.params["host"] == "0.0.0.0"
    mount = spec["volumeMounts"][0]["mountPath"]
    assert Path(ctx.params["config_path"]).parent == Path(mount)


def test_environment_comes_from_the_secret() -> None:
    secret = load("secret.yaml")["stringData"]
    for entry in container()["env"]:
        assert entry["name"] in KNOWN_ENV
        ref = entry["valueFrom"]["secretKeyRef"]
        assert ref["name"] == load("secret.yaml")["metadata"]["name"]
        assert ref["key"] in secret


def test_probes_and_service_use_the_relay_port_and_health_path() -> None:
    spec = container()
    for probe in ("readinessProbe", "livenessProbe"):
        assert spec[probe]["httpGet"] == {"path": HEALTH_PATH, "port": "http"}
    (port,) = load("service.yaml")["spec"]["ports"]
    assert port["targetPort"] == spec["ports"][0]["name"]


def test_mounted_config_is_a_valid_promotion_config() -> None:
    text = load("configmap.yaml")["data"]["promotion.yml"]
    assert list(parse(text, "configmap.yaml").models) == ["fraud-detector"]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not on PATH")
def test_kustomize_renders_it() -> None:
    out = subprocess.run(
        ["kubectl", "kustomize", str(EXAMPLE)], capture_output=True, text=True, check=True
    ).stdout
    kinds = sorted(d["kind"] for d in YAML(typ="safe").load_all(out))
    assert kinds == ["ConfigMap", "Deployment", "Secret", "Service"]
