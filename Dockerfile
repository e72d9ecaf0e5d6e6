# Image of the GitHub action. The release workflow (.github/workflows/release.yml) builds it for
# linux/amd64 and linux/arm64 and pushes it to ghcr.io/model-promotion-bot/model-promotion-bot;
# action.yml runs that published image (`docker://...`), so no job builds this file.
# Build details, base image choices and measured build times: docs/docker.md; releases and digest
# pinning: docs/release.md.
#
# BASE_IMAGE: any Debian-based image with CPython 3.11 and its venv module (requirements/action.txt
# is resolved for 3.11). The default is the public Python image pinned by the digest of its
# multi-platform index, so amd64 and arm64 builds start from the same reviewed base. Moving it to
# a newer digest is a reviewed change (docs/release.md, "Base image"). A locally built Debian
# bookworm base works too:
#   docker build --build-arg BASE_IMAGE=local/python-base:bookworm -t model-promotion-bot .
# The deps stage and the final stage use the same base, so the venv's interpreter path is valid
# in the final image.
# python:3.11-slim-bookworm (CPython 3.11.16)
ARG BASE_IMAGE=python:3.11-slim-bookworm@sha256:a36c24f9cbdf4fd0f52d67f0823eeac19c2028c637cecc392d97f980d4fec56b

# ---------------------------------------------------------------------------------------------
# deps: a venv in /opt/venv with the pinned dependencies. Nothing from the source tree is copied
# here, so this stage (the slow one: ~160 MB of packages) is rebuilt only when the lock changes.
# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE} AS deps

# `python3`, not `python`: Debian's own interpreter has no `python` command. The venv provides
# one, which is what the final stage runs.
RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The lock has hashes, so pip runs in hash-checking mode and installs exactly what it lists.
# Two optional build secrets serve networks that need them; a secret is mounted for this one
# command and never stored in a layer (see docs/docker.md):
#   pip_cert  CA bundle of a TLS-intercepting proxy   (--secret id=pip_cert,src=/path/ca.crt)
#   pip_conf  pip.conf naming a private index/mirror   (--secret id=pip_conf,src=/path/pip.conf)
COPY requirements/action.txt /tmp/requirements/action.txt
RUN --mount=type=secret,id=pip_cert --mount=type=secret,id=pip_conf \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi \
    && if [ -s /run/secrets/pip_conf ]; then export PIP_CONFIG_FILE=/run/secrets/pip_conf; fi \
    && pip install --no-cache-dir --require-hashes -r /tmp/requirements/action.txt

# ---------------------------------------------------------------------------------------------
# venv: the venv the final image gets. pip and setuptools are removed (the runtime needs neither)
# and a .pth file puts /opt/app, where the bot is installed, on the venv's sys.path.
# A separate stage, so the final image's venv layer stays byte-identical across source edits.
# ---------------------------------------------------------------------------------------------
FROM deps AS venv
RUN site_packages="$(python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" \
    && echo /opt/app > "${site_packages}/model_promotion_bot.pth" \
    && python -m pip uninstall --yes --quiet pip setuptools

# ---------------------------------------------------------------------------------------------
# builder: the bot itself, into /opt/app (package, metadata and the `promote` script).
# --no-deps: everything it needs is in the venv already. --no-build-isolation: build with the
# pinned setuptools from the lock, offline.
# ---------------------------------------------------------------------------------------------
FROM deps AS builder
COPY pyproject.toml README.md LICENSE /src/
COPY bot/ /src/bot/
RUN pip install --no-cache-dir --no-deps --no-build-isolation --target /opt/app /src

# ---------------------------------------------------------------------------------------------
# final: the base image plus /opt/venv and /opt/app; no compiler, no pip, no source tree.
# ---------------------------------------------------------------------------------------------
FROM ${BASE_IMAGE}

# image.source ties the GHCR package to its repository (visibility, permissions, the README);
# the release adds the version and revision labels.
LABEL org.opencontainers.image.title="model-promotion-bot" \
      org.opencontainers.image.description="GitOps promotion bot for ML models: GitHub action" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/model-promotion-bot/model-promotion-bot"

# uid 1001 is the `runner` user of GitHub-hosted Linux runners, which owns the checkout that
# GitHub mounts at /github/workspace and the files behind GITHUB_OUTPUT / GITHUB_STEP_SUMMARY
# (mounted under /github/file_commands). Running as that uid, the bot can read the workspace
# and write its outputs without root, and files it creates stay owned by the runner user.
# The published image uses the default; APP_UID is for other builds (a self-hosted runner whose
# service user has another uid; see docs/docker.md).
ARG APP_UID=1001
RUN groupadd --gid "${APP_UID}" bot \
    && useradd --uid "${APP_UID}" --gid bot --create-home --home-dir /home/bot \
       --shell /usr/sbin/nologin bot

COPY --from=venv /opt/venv /opt/venv
COPY --from=builder /opt/app /opt/app

# PYTHONDONTWRITEBYTECODE: the venv is read-only for the bot user and already byte-compiled by
# pip; nothing is written next to the sources at run time.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:/opt/app/bin:$PATH

USER ${APP_UID}:${APP_UID}
WORKDIR /home/bot

ENTRYPOINT ["python", "-m", "bot.action"]
