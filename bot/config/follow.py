"""The ``follow:`` setting of an environment: which Argo CD Applications (or which commit
statuses) tell whether a merged promotion runs, and what to do with the answer::

    follow:
      argocd: {server: https://argocd.example.com, applications: [fraud-prod]}
      on_failure: rollback          # comment (default) | rollback: open the rollback PR
      record_on: healthy            # default when a source is set; merge otherwise

    follow:
      github-status: {context: "continuous-delivery/fraud-prod"}

    follow: none

The models live with the rest of the config so that reading the config does not import the
cluster loop (``bot.cluster``), which only ``promote watch`` runs; ``bot.cluster.config``
names them for the cluster sources.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# Kubernetes object names (DNS-1123 subdomain) and label syntax: what Argo CD accepts, and
# nothing that could change the meaning of a URL path or a selector query.
APP_NAME = r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
# Pattern text, compiled (and cached by ``re``) on first use: a config without `follow:` never
# needs them.
_LABEL_KEY = rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}$"
_LABEL_VALUE = rf"^({_LABEL_NAME})?$"
ENV_VAR = r"^[A-Za-z_][A-Za-z0-9_]*$"
GLOB = r"^[\x21-\x7e]{1,255}$"  # printable, no spaces: what a status context looks like

AppName = Annotated[str, Field(pattern=APP_NAME)]
Minutes = Annotated[int, Field(ge=1, le=1440)]


class _Strict(BaseModel):
    # Built on first use, like the rest of the config (``bot.config.targets.Strict``).
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ArgoCD(_Strict):
    """Read the Applications from the Argo CD API (the runner must reach the server)."""

    server: str = Field(description="Argo CD API server URL, e.g. https://argocd.example.com")
    applications: tuple[AppName, ...] | None = Field(None, description="Application names")
    selector: dict[str, str] | None = Field(None, min_length=1, description="label: value")
    project: str | None = Field(None, pattern=APP_NAME, description="answers 404 for unknown apps")
    app_namespace: str | None = Field(None, pattern=APP_NAME)
    token_env: str = Field("ARGOCD_TOKEN", pattern=ENV_VAR)
    ca_file: str | None = Field(None, min_length=1, description="PEM CA bundle for the server")
    timeout_minutes: Minutes = 30

    @field_validator("server")
    @classmethod
    def _server(cls, value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            example = "https://argocd.example.com"
            raise ValueError(f"{value!r} is not an http(s) URL; write e.g. {example}")
        if parts.username or parts.password:
            raise ValueError("must not carry credentials; put the token in $ARGOCD_TOKEN")
        if parts.query or parts.fragment:
            raise ValueError("must not have a query or fragment; give the server's base URL")
        return value.strip().rstrip("/")

    @field_validator("applications", mode="before")
    @classmethod
    def _applications(cls, value: object) -> object:
        # Before the type check, so a bad name gets this message rather than the pattern.
        if not isinstance(value, list | tuple):
            return value
        if not value:
            raise ValueError("is empty; list the Applications that deploy this environment")
        for name in value:
            if isinstance(name, str) and not re.match(APP_NAME, name):
                raise ValueError(
                    f"{name!r} is not an Application name (lower-case letters, digits, - and .)"
                )
        return value

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for key, label in (value or {}).items():
            if not re.match(_LABEL_KEY, key):
                raise ValueError(f"{key!r} is not a Kubernetes label key")
            if not re.match(_LABEL_VALUE, label):
                raise ValueError(f"{label!r} (for {key}) is not a Kubernetes label value")
        return value

    @model_validator(mode="after")
    def _one_way(self) -> ArgoCD:
        if (self.applications is None) == (self.selector is None):
            raise ValueError("give either applications: [names] or selector: {label: value}")
        return self


class GitHubStatus(_Strict):
    """Read the statuses the cluster posts on the synced commit (Argo CD Notifications'
    GitHub service, Flux's notification-controller): no access to the cluster needed."""

    context: str | None = Field(None, pattern=GLOB, description="commit status context glob")
    deployment_environment: str | None = Field(
        None, pattern=GLOB, description="GitHub deployment environment glob"
    )
    timeout_minutes: Minutes = 30

    @model_validator(mode="after")
    def _something(self) -> GitHubStatus:
        if self.context is None and self.deployment_environment is None:
            raise ValueError("give context: <glob> (commit statuses) or deployment_environment")
        return self


class Follow(_Strict):
    argocd: ArgoCD | None = None
    github_status: GitHubStatus | None = Field(None, alias="github-status")
    record_on: Literal["merge", "healthy"] | None = None
    on_failure: Literal["comment", "rollback"] = "comment"

    @model_validator(mode="after")
    def _one_source(self) -> Follow:
        if self.argocd is not None and self.github_status is not None:
            raise ValueError("give argocd or github-status, not both")
        if self.record_on == "healthy" and self.source == "none":
            raise ValueError("record_on: healthy needs argocd or github-status to tell health")
        return self

    @property
    def source(self) -> str:
        """The name of the deployment source in ``bot.cluster.SOURCES``, or "none"."""
        if self.argocd is not None:
            return "argocd"
        return "github-status" if self.github_status is not None else "none"

    @property
    def records_on(self) -> Literal["merge", "healthy"]:
        """When write-back records the version: once healthy if anything can tell."""
        return self.record_on or ("merge" if self.source == "none" else "healthy")

    @property
    def timeout_minutes(self) -> int:
        chosen = self.argocd or self.github_status
        return chosen.timeout_minutes if chosen is not None else 0


FollowSetting = Literal["none"] | Follow
