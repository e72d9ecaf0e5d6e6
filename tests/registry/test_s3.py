"""S3Registry against a real S3 API (moto in server mode), plus stubs for S3 errors."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from bot.errors import RegistryError, RetryableError
from bot.model import DeploymentRecord, ModelVersion, VersionQuery
from bot.registry.s3 import S3Registry, newest_first
from tests.rig.mlflow_rig import free_port
from tests.rig.s3_rig import (
    RequestCounter,
    S3Server,
    S3Stub,
    make_bucket,
    manifest,
    put_manifests,
    put_raw,
    s3_client,
)

VALIDATED = {"validation_status": "passed"}
DIGEST = "sha256:" + "ab" * 32


def query(name: str = "fraud", **kwargs: Any) -> VersionQuery:
    kwargs.setdefault("validated_tags", VALIDATED)
    kwargs.setdefault("metrics", ("accuracy",))
    return VersionQuery(model="fraud-detector", registered_name=name, **kwargs)


class Bucket:
    """A fresh bucket on the session server, a counting client and a registry on it."""

    def __init__(self, server: S3Server, *, versioning: bool = False) -> None:
        self.client = s3_client(server.endpoint_url)
        self.name = make_bucket(self.client, versioning=versioning)
        self.requests = RequestCounter(self.client)

    def registry(self, **kwargs: Any) -> S3Registry:
        return S3Registry(self.name, client=self.client, **kwargs)

    def put(self, model: str, *manifests: dict[str, Any], prefix: str = "") -> None:
        put_manifests(self.client, self.name, model, manifests, prefix=prefix)
        self.requests.reset()

    def raw(self, key: str, body: str | bytes, **kwargs: Any) -> None:
        put_raw(self.client, self.name, key, body, **kwargs)
        self.requests.reset()


@pytest.fixture
def bucket(s3_server: S3Server) -> Bucket:
    return Bucket(s3_server)


# -- manifests layout: choosing the version ---------------------------------------------------


def test_newest_validated_skips_a_newer_failed_version(bucket: Bucket) -> None:
    bucket.put(
        "fraud",
        manifest("11", image_tag="v1.3.0"),
        manifest(
            "12",
            image_tag="v1.4.0",
            image_digest=DIGEST,
            run_id="3f2a9c",
            metrics={"accuracy": 0.91, "f1": 0.8},
        ),
        manifest("13", status="failed", image_tag="v1.5.0-rc1"),
        prefix="registry/",
    )
    found = bucket.registry(prefix="registry/").newest_validated(query())
    assert found is not None
    assert (found.model, found.registered_name, found.version) == ("fraud-detector", "fraud", "12")
    assert (found.image_tag, found.image_digest, found.run_id) == ("v1.4.0", DIGEST, "3f2a9c")
    assert found.metrics == {"accuracy": 0.91}
    assert found.created_ms == 1793527200000  # 2026-11-01T10:00:00Z
    assert found.url == f"s3://{bucket.name}/registry/fraud/12/manifest.json"
    assert bucket.requests.counts == {"ListObjectsV2": 1, "GetObject": 2}


def test_the_newest_validated_version_costs_one_list_and_one_get(bucket: Bucket) -> None:
    bucket.put("fraud", *(manifest(str(n)) for n in range(1, 11)))
    found = bucket.registry().newest_validated(query())
    assert found is not None and found.version == "10"
    assert bucket.requests.counts == {"ListObjectsV2": 1, "GetObject": 1}


def test_no_validated_version_is_none(bucket: Bucket) -> None:
    bucket.put("fraud", manifest("1", status="failed"), manifest("2", status="pending"))
    assert bucket.registry().newest_validated(query()) is None
    assert bucket.registry().validated_versions(query(), 10) == []


def test_an_unknown_model_is_a_registry_error(bucket: Bucket) -> None:
    bucket.put("fraud", manifest("1"))
    with pytest.raises(RegistryError, match=r"no versions under s3://.*/frod/.*registered_model"):
        bucket.registry().newest_validated(query("frod"))


def test_tags_object_first_then_top_level_keys(bucket: Bucket) -> None:
    bucket.put(
        "fraud",
        manifest("1", approved=True),  # top level, JSON true
        manifest("2", status="failed", tags={"validation_status": "passed", "approved": "yes"}),
        manifest("3", tags={"approved": "no"}),
    )
    rule = query(validated_tags={**VALIDATED, "approved": "yes"})
    assert [v.version for v in bucket.registry().validated_versions(rule, 5)] == ["2"]
    rule = query(validated_tags={**VALIDATED, "approved": "true"})
    assert [v.version for v in bucket.registry().validated_versions(rule, 5)] == ["1"]


def test_validated_versions_newest_first_with_limit(bucket: Bucket) -> None:
    versions = ["2", "9", "10", "100", "11"]
    bucket.put("fraud", *(manifest(v) for v in versions), manifest("50", status="failed"))
    registry = bucket.registry()
    assert [v.version for v in registry.validated_versions(query(), 3)] == ["100", "11", "10"]
    assert [v.version for v in registry.validated_versions(query(), 10)] == [
        "100",
        "11",
        "10",
        "9",
        "2",
    ]
    assert registry.validated_versions(query(), 0) == []


def test_non_numeric_versions_sort_by_pep440_then_text(bucket: Bucket) -> None:
    versions = ["1.9.0", "1.10.0", "v2.0.0rc1", "build-abc", "build-abd"]
    bucket.put("fraud", *(manifest(v, image_tag="v1") for v in versions))
    found = bucket.registry().validated_versions(query(), 10)
    assert [v.version for v in found] == ["v2.0.0rc1", "1.10.0", "1.9.0", "build-abd", "build-abc"]


def test_newest_first_ordering() -> None:
    assert newest_first(["9", "10", "0011", "1.2", "x", "1.10"]) == [
        "0011", "10", "9", "1.10", "1.2", "x",
    ]  # fmt: skip


def test_deployed_records_stray_names_and_empty_directories_are_skipped(bucket: Bucket) -> None:
    bucket.put("fraud", manifest("3"))
    bucket.raw("fraud/deployed/prod.json", '{"version": "3"}')
    bucket.raw("fraud/bad name!/manifest.json", "{}")
    bucket.raw("fraud/4/model.bin", b"\0")  # upload in progress: no manifest yet
    bucket.raw("fraud/latest.txt", "3")
    found = bucket.registry().newest_validated(query())
    assert found is not None and found.version == "3"


@pytest.fixture(scope="module")
def big_model(s3_server: S3Server) -> tuple[str, str]:
    """1,100 zero-padded versions: listing order is version order, so the newest ones are
    only on the second LIST page. The newest five failed validation."""
    client = s3_client(s3_server.endpoint_url)
    name = make_bucket(client)
    seeds = [manifest(f"{n:04d}", "passed" if n <= 1095 else "failed") for n in range(1, 1101)]
    put_manifests(client, name, "fraud", seeds)
    return s3_server.endpoint_url, name


def test_more_than_1000_versions_are_paginated(big_model: tuple[str, str]) -> None:
    endpoint, name = big_model
    client = s3_client(endpoint)
    requests = RequestCounter(client)
    registry = S3Registry(name, client=client)
    found = registry.newest_validated(query())
    assert found is not None and found.version == "1095"
    assert requests.counts == {"ListObjectsV2": 2, "GetObject": 6}
    requests.reset()
    versions = registry.validated_versions(query(), 20)
    assert [v.version for v in versions] == [f"{n:04d}" for n in range(1095, 1075, -1)]
    assert requests.counts == {"ListObjectsV2": 2, "GetObject": 19}  # 1095 was cached


# -- manifests layout: get_version and is_validated ---------------------------------------


def test_get_version_returns_unvalidated_versions_too(bucket: Bucket) -> None:
    bucket.put("fraud", manifest("1"), manifest("2", status="failed"))
    registry = bucket.registry()
    two = registry.get_version(query(), "2")
    assert two is not None and two.version == "2" and not registry.is_validated(query(), two)
    one = registry.get_version(query(), "1")
    assert one is not None and registry.is_validated(query(), one)
    assert registry.get_version(query(), "3") is None
    assert registry.get_version(query(), "../1") is None
    with pytest.raises(RegistryError, match="no versions under"):
        registry.get_version(query("frod"), "1")


def test_alias_is_mlflow_only(bucket: Bucket) -> None:
    bucket.put("fraud", manifest("1"))
    rule = query(validated_alias="champion")
    for call in (
        lambda r: r.newest_validated(rule),
        lambda r: r.get_version(rule, "1"),
        lambda r: r.validated_versions(rule, 5),
    ):
        with pytest.raises(RegistryError, match="MLflow-only"):
            call(bucket.registry())
    assert bucket.requests.total == 0


# -- untrusted data -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "is not a JSON object"),
        (b"\xff\xfe", "not UTF-8 JSON"),
        (json.dumps(manifest("7")), "says version '7', but lies in directory '5'"),
        (json.dumps(manifest("5", tags=["passed"])), "`tags` must be an object"),
        (json.dumps(manifest("5", metrics={"accuracy": "high"})), "non-numeric metric"),
        (json.dumps(manifest("5", created="yesterday")), "invalid `created`"),
    ],
)
def test_bad_manifests_are_registry_errors(bucket: Bucket, body: str | bytes, message: str) -> None:
    bucket.raw("fraud/5/manifest.json", body)
    with pytest.raises(RegistryError, match=message) as err:
        bucket.registry().newest_validated(query())
    assert f"s3://{bucket.name}/fraud/5/manifest.json" in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("image_tag", "v1.4.0\nmalicious: true"),
        ("image_tag", "../../etc/passwd"),
        ("image_tag", "v1 .4"),
        ("image_tag", "v" * 300),
        ("image_tag", ""),
        ("image_digest", "sha256:xyz"),
        ("run_id", "abc\ndef"),
    ],
)
def test_bad_values_are_registry_errors(bucket: Bucket, field: str, value: str) -> None:
    bucket.put("fraud", manifest("5", **{field: value}))
    with pytest.raises(RegistryError, match=r"version 5 has an invalid") as err:
        bucket.registry().newest_validated(query())
    assert "\n" not in str(err.value) and len(str(err.value)) < 300


def test_a_validated_version_without_image_tag_is_an_error(bucket: Bucket) -> None:
    bucket.put("fraud", {"version": "5", "validation_status": "passed"})
    with pytest.raises(RegistryError, match=r"validated but has no 'image_tag'.*tag_from"):
        bucket.registry().newest_validated(query())


def test_image_tag_and_digest_keys_follow_the_query(bucket: Bucket) -> None:
    bucket.put("fraud", manifest("5", tags={"release": "2.0.1", "sha": DIGEST}))
    found = bucket.registry().newest_validated(
        query(image_tag_key="release", image_digest_key="sha")
    )
    assert found is not None and (found.image_tag, found.image_digest) == ("2.0.1", DIGEST)


# -- pointer layout -----------------------------------------------------------------------


def test_pointer_version_from_metadata(bucket: Bucket) -> None:
    bucket.raw(
        "fraud/latest.txt",
        "ignored\n",
        Metadata={"version": "42", "image-tag": "v2.1.0", "validation_status": "passed"},
    )
    registry = bucket.registry(layout="pointer")
    found = registry.newest_validated(query())
    assert found is not None
    assert (found.version, found.image_tag) == ("42", "v2.1.0")
    assert found.url == f"s3://{bucket.name}/fraud/latest.txt"
    assert found.created_ms is not None and registry.is_validated(query(), found)
    assert bucket.requests.counts == {"GetObject": 1}


def test_pointer_version_from_body_and_image_tag_fallback(bucket: Bucket) -> None:
    # As in the seeds' workflow: one latest.txt at the bucket root, version as the image tag.
    bucket.raw("latest.txt", "17\nnotes: retrained on November data\n")
    registry = bucket.registry(layout="pointer", pointer_key="latest.txt")
    found = registry.newest_validated(query())
    assert found is not None and (found.version, found.image_tag) == ("17", "17")
    assert registry.get_version(query(), "17") == found
    assert registry.get_version(query(), "16") is None
    assert [v.version for v in registry.validated_versions(query(), 5)] == ["17"]


def test_pointer_with_contradicting_validation_status(bucket: Bucket) -> None:
    bucket.raw("fraud/latest.txt", "", Metadata={"version": "3", "validation-status": "failed"})
    registry = bucket.registry(layout="pointer")
    assert registry.newest_validated(query()) is None
    assert registry.validated_versions(query(), 5) == []
    found = registry.get_version(query(), "3")
    assert found is not None and not registry.is_validated(query(), found)


def test_pointer_key_template_and_prefix(bucket: Bucket) -> None:
    bucket.raw("reg/pointers/fraud.txt", "8")
    registry = bucket.registry(layout="pointer", prefix="reg", pointer_key="pointers/{model}.txt")
    found = registry.newest_validated(query())
    assert found is not None and found.version == "8"


@pytest.mark.parametrize(
    ("body", "metadata", "message"),
    [
        ("../etc\n", {}, "names no valid version"),
        ("", {}, "names no valid version"),
        ("x" * 5000, {}, "is over 4096 bytes"),
        ("", {"version": "1 2"}, "names no valid version"),
        ("", {"version": "2", "image-tag": "../v2"}, "invalid image tag"),
    ],
)
def test_bad_pointers_are_registry_errors(
    bucket: Bucket, body: str, metadata: dict[str, str], message: str
) -> None:
    bucket.raw("fraud/latest.txt", body, Metadata=metadata)
    with pytest.raises(RegistryError, match=message):
        bucket.registry(layout="pointer").newest_validated(query())


def test_missing_pointer_is_a_registry_error(bucket: Bucket) -> None:
    with pytest.raises(RegistryError, match=r"pointer object s3://.*/fraud/latest.txt not found"):
        bucket.registry(layout="pointer").newest_validated(query())


# -- write-back ---------------------------------------------------------------------------


def test_record_deployment_is_idempotent(s3_server: S3Server) -> None:
    bucket = Bucket(s3_server, versioning=True)
    bucket.put("fraud", manifest("12", image_tag="v1.4.0"), prefix="registry/")
    registry = bucket.registry(prefix="registry/")
    version = ModelVersion("fraud-detector", "fraud", "12", "v1.4.0")
    key = "registry/fraud/deployed/prod.json"
    sha, when = "a" * 40, "2026-11-02T08:00:00Z"

    assert (
        registry.record_deployment(query(), DeploymentRecord(version, "prod", sha, "prod", when))
        is True
    )
    record = json.loads(bucket.client.get_object(Bucket=bucket.name, Key=key)["Body"].read())
    assert record == {"version": "12", "image_tag": "v1.4.0", "commit": sha, "time": when}

    bucket.requests.reset()
    later = "2026-11-03T08:00:00Z"
    assert (
        registry.record_deployment(query(), DeploymentRecord(version, "prod", sha, "prod", later))
        is False
    )
    assert bucket.requests.counts == {"GetObject": 1}  # no PutObject
    listed = bucket.client.list_object_versions(Bucket=bucket.name, Prefix=key)
    assert len(listed["Versions"]) == 1

    assert (
        registry.record_deployment(
            query(), DeploymentRecord(version, "prod", "b" * 40, "prod", later)
        )
        is True
    )
    listed = bucket.client.list_object_versions(Bucket=bucket.name, Prefix=key)
    assert len(listed["Versions"]) == 2
    # The record does not count as a version directory.
    found = registry.newest_validated(query())
    assert found is not None and found.version == "12"


def test_record_deployment_rejects_bad_names(bucket: Bucket) -> None:
    version = ModelVersion("fraud-detector", "fraud", "12", "v1.4.0")
    with pytest.raises(RegistryError, match="environment"):
        bucket.registry().record_deployment(
            query(), DeploymentRecord(version, "../x", "a" * 40, "", "now")
        )
    with pytest.raises(RegistryError, match="commit"):
        bucket.registry().record_deployment(
            query(), DeploymentRecord(version, "prod", "HEAD", "", "now")
        )


# -- S3 and transport errors ----------------------------------------------------------------


@pytest.mark.usefixtures("aws_env")
def test_default_client_and_folder_prefix(s3_server: S3Server) -> None:
    bucket = Bucket(s3_server)
    bucket.put("fraud", manifest("4"), prefix="registry/")
    registry = S3Registry(bucket.name, prefix="registry", endpoint_url=s3_server.endpoint_url)
    found = registry.newest_validated(query())
    assert found is not None and found.version == "4"


@pytest.mark.usefixtures("aws_env")
def test_missing_bucket_is_a_registry_error(s3_server: S3Server) -> None:
    registry = S3Registry(f"no-such-{uuid.uuid4().hex[:8]}", endpoint_url=s3_server.endpoint_url)
    with pytest.raises(RegistryError, match=r"S3 bucket 'no-such-\w+' does not exist"):
        registry.newest_validated(query())


@pytest.mark.usefixtures("aws_env")
def test_closed_port_is_retryable() -> None:
    registry = S3Registry("bucket", endpoint_url=f"http://127.0.0.1:{free_port()}", max_attempts=2)
    with pytest.raises(RetryableError, match=r"unreachable \(could not connect\); try again"):
        registry.newest_validated(query())


@pytest.mark.usefixtures("aws_env")
def test_throttling_is_retried_by_botocore_then_retryable() -> None:
    with S3Stub(503, "SlowDown") as stub:
        registry = S3Registry("bucket", endpoint_url=stub.endpoint_url, max_attempts=2)
        with pytest.raises(RetryableError, match=r"throttled.*SlowDown.*2 attempts; try again"):
            registry.newest_validated(query())
    assert stub.requests == 2


@pytest.mark.usefixtures("aws_env")
def test_access_denied_names_the_fix_without_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "s3cr3t-" + uuid.uuid4().hex
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEKEYID")
    for status, code in ((403, "AccessDenied"), (403, "InvalidAccessKeyId")):
        with S3Stub(status, code) as stub:
            registry = S3Registry("bucket", endpoint_url=stub.endpoint_url, max_attempts=2)
            with pytest.raises(RegistryError, match=f"refused access.*{code}.*credentials") as e:
                registry.newest_validated(query())
        assert stub.requests == 1  # not retried
        assert secret not in str(e.value) and "AKIAEXAMPLEKEYID" not in str(e.value)


@pytest.mark.usefixtures("aws_env")
def test_no_credentials_is_a_registry_error(
    s3_server: S3Server,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    registry = S3Registry("bucket", endpoint_url=s3_server.endpoint_url)
    with pytest.raises(RegistryError, match="no usable AWS credentials"):
        registry.newest_validated(query())


@pytest.mark.usefixtures("aws_env")
def test_bad_endpoint_url_is_a_registry_error_without_credentials() -> None:
    registry = S3Registry("bucket", endpoint_url="not a url://user:hunter2@x")
    with pytest.raises(RegistryError, match="is not a valid URL") as err:
        registry.newest_validated(query())
    assert "hunter2" not in str(err.value)


def test_bad_layout_and_pointer_template() -> None:
    with pytest.raises(RegistryError, match="manifests or pointer"):
        S3Registry("bucket", layout="flat")
    registry = S3Registry("bucket", layout="pointer", pointer_key="{version}.txt")
    with pytest.raises(RegistryError, match=r"may only use \{model\}"):
        registry.newest_validated(query())
