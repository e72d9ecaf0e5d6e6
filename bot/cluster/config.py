"""Per-environment config of the cluster loop: which Argo CD Applications (or which commit
statuses) tell whether a merged promotion runs, and what to do with the answer.

Importable on its own (pydantic, stdlib, ``bot.errors``) so the main config can mount
``FollowSetting`` under an environment, e.g. ``environments.prod.follow``::

    follow:
      argocd: {server: https://argocd.example.com, applications: [fraud-prod]}
      on_failure: rollback          # comment (default) | rollback: open the rollback PR
      record_on: healthy            # default when a source is set; merge otherwise

    follow:
      github-status: {context: "continuous-delivery/fraud-prod"}

    follow: none
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.errors import ConfigError

# Kubernetes object names (DNS-1123 subdomain) and label syntax: what Argo CD accepts, and
# nothing that could change the meaning of a URL path or a selector query.
APP_NAME = r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$"
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_LABEL_KEY = re.compile(rf"^([a-z0-9]([-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_LABEL_NAME}$")
_LABEL_VALUE = re.compile(rf"^({_LABEL_NAME})?$")
ENV_VAR = r"^[A-Za-z_][A-Za-z0-9_]*$"
GLOB = r"^[\x21-\x7e]{1,255}$"  # printable, no spaces: what a status context looks like

_APP_NAME = re.compile(APP_NAME)
AppName = Annotated[str, Field(pattern=APP_NAME)]
Minutes = Annotated[int, Field(ge=1, le=1440)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
            if isinstance(name, str) and not _APP_NAME.match(name):
                raise ValueError(
                    f"{name!r} is not an Application name (lower-case letters, digits, - and .)"
                )
        return value

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for key, label in (value or {}).items():
            if not _LABEL_KEY.match(key):
                raise ValueError(f"{key!r} is not a Kubernetes label key")
            if not _LABEL_VALUE.match(label):
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


def resolve(setting: FollowSetting | None) -> Follow:
    """``none`` (or nothing) is a loop that ends at the merge."""
    return setting if isinstance(setting, Follow) else Follow()


def parse_follow(data: object, where: str) -> Follow:
    """Validate one environment's ``cluster`` value; every problem, one line each."""
    if data is None or data == "none":
        return Follow()
    if not isinstance(data, dict):
        fix = "write none, or a mapping with argocd: or github-status:"
        raise ConfigError([f"{where}: {_short(data)} is not a follow setting; {fix}"])
    try:
        return Follow.model_validate(data)
    except ValidationError as err:
        raise ConfigError([_problem(where, e) for e in err.errors()]) from None


def _problem(where: str, error: object) -> str:
    assert isinstance(error, dict)
    loc = ".".join(str(p) for p in (where, *error["loc"]))
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = _unknown_key(str(error["loc"][-1]), error["loc"][:-1])
    return f"{loc}: {message}"


def _unknown_key(key: str, parent: tuple[object, ...]) -> str:
    model: type[BaseModel] = Follow
    for part in parent:
        field = model.model_fields.get(str(part)) or _by_alias(model, str(part))
        nested = getattr(field, "annotation", None)
        model = next((m for m in (ArgoCD, GitHubStatus) if m.__name__ in str(nested)), model)
    known = [f.alias or name for name, f in model.model_fields.items()]
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"did you mean {close[0]}?" if close else f"known keys: {', '.join(known)}"
    return f"unknown key; {hint}"


def _by_alias(model: type[BaseModel], alias: str) -> object:
    return next((f for f in model.model_fields.values() if f.alias == alias), None)


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
