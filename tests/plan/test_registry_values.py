"""What the registries give the new placeholders: run id, source URI, every version tag and
the description, from a real MLflow server and a real S3 server."""

from __future__ import annotations

import uuid

import pytest
from mlflow import MlflowClient

from bot.model import VersionQuery
from bot.registry.mlflow import MlflowRegistry
from bot.registry.s3 import S3Registry
from tests.rig.mlflow_rig import seed_model
from tests.rig.s3_rig import S3Server, make_bucket, manifest, put_manifests, s3_client

VALIDATED = {"validation_status": "passed"}

pytestmark = pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy:DeprecationWarning")


def _query(name: str) -> VersionQuery:
    return VersionQuery(model="llm", registered_name=name, validated_tags=VALIDATED)


def test_mlflow_fills_run_id_source_tags_and_description(mlflow_server) -> None:  # type: ignore[no-untyped-def]
    uri = str(mlflow_server.uri)
    name = f"llm-{uuid.uuid4().hex[:8]}"
    tags = {**VALIDATED, "image_tag": "v2.0.0", "model_revision": "3f2a9c1"}
    (number,) = seed_model(uri, name, [{"metrics": {"accuracy": 0.9}, "tags": tags}])
    MlflowClient(uri).update_model_version(name, number, description="Retrained on new data")
    found = MlflowRegistry(uri).get_version(_query(name), number)
    assert found is not None
    runs = MlflowClient(uri).search_model_versions(f"name = '{name}'")
    assert found.run_id == runs[0].run_id
    assert found.source_uri == runs[0].source
    assert found.description == "Retrained on new data"
    values = found.values()
    assert values["tag:model_revision"] == "3f2a9c1"
    assert values["run_id"] == runs[0].run_id
    assert values["source_uri"] == runs[0].source


def test_s3_manifest_fills_source_uri_and_description(s3_server: S3Server) -> None:
    client = s3_client(s3_server.endpoint_url)
    bucket = make_bucket(client)
    put_manifests(
        client,
        bucket,
        "llm",
        [
            manifest(
                "4",
                run_id="3f2a9c",
                source_uri="s3://weights/llm/4",
                model_revision="abc1234",
                description="Tokenizer fix",
            )
        ],
    )
    found = S3Registry(bucket, client=client).get_version(_query("llm"), "4")
    assert found is not None
    assert (found.run_id, found.source_uri, found.description) == (
        "3f2a9c",
        "s3://weights/llm/4",
        "Tokenizer fix",
    )
    assert found.values()["tag:model_revision"] == "abc1234"
