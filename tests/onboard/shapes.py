"""Three GitOps repositories shaped unlike the example one, for ``promote init``: Helm values
per model and environment, KServe InferenceServices, and kustomize overlays whose only model
field is a configMapGenerator literal."""

from __future__ import annotations

from pathlib import Path

from tests.rig.repos import commit_all, git

HELM = {
    "deploy/fraud/Chart.yaml": "apiVersion: v2\nname: fraud\nversion: 0.1.0\n",
    # Chart defaults are in no environment: never a target.
    "deploy/fraud/values.yaml": "image:\n  repository: ghcr.io/acme/fraud-inference\n"
    "  tag: latest\nmodel:\n  version: '0'\n",
    "deploy/fraud/values-staging.yaml": """\
replicaCount: 2
image:
  repository: ghcr.io/acme/fraud-inference
  tag: "1.4.0"   # set by promotions
model:
  name: fraud
  version: "7"
sidecar:
  image:
    repository: docker.io/library/nginx
    tag: "1.27"
""",
    "deploy/fraud/values-prod.yaml": """\
replicaCount: 6
image:
  repository: ghcr.io/acme/fraud-inference
  tag: "1.3.0"
model:
  name: fraud
  version: "6"
""",
    "deploy/churn/values-prod.yaml": """\
churn:
  modelVersion: 3
  server:
    image:
      repository: ghcr.io/acme/churn-server
      tag: v2.0.1
""",
}

KSERVE = {
    "kserve/staging/churn.yaml": """\
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: churn
spec:
  predictor:
    model:
      modelFormat: {name: sklearn}
      storageUri: s3://models/churn/3
""",
    "kserve/prod/churn.yaml": """\
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: churn
spec:
  predictor:
    model:
      modelFormat: {name: sklearn}
      storageUri: s3://models/churn/2
""",
    "kserve/prod/llm.yaml": """\
apiVersion: v1
kind: Namespace
metadata: {name: llm}
---
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: llm
  namespace: llm
spec:
  predictor:
    containers:
      - name: kserve-container
        image: ghcr.io/acme/llm-server:v0.4.1
        args: [--port, "8080"]
""",
}

GENERATOR = {
    "apps/recsys/base/kustomization.yaml": "resources: [deployment.yaml]\n",
    "apps/recsys/base/deployment.yaml": """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: recsys}
spec:
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/recsys:stable
""",
    "apps/recsys/envs/dev/kustomization.yaml": """\
resources: [../../base]
configMapGenerator:
  - name: recsys-config
    literals:
      - RECSYS_MODEL_VERSION=12
      - LOG_LEVEL=debug
""",
    "apps/recsys/envs/prod/kustomization.yaml": """\
resources: [../../base]
configMapGenerator:
  - name: recsys-config
    literals:
      - RECSYS_MODEL_VERSION=11
      - LOG_LEVEL=info
""",
}


def make_repo(dest: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git(dest, "init", "-q", "-b", "main")
    commit_all(dest, "initial")
    return dest
