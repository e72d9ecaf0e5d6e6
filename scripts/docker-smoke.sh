#!/usr/bin/env bash
# Smoke test of the action image: it builds, the dependency layer is cached, and it runs:
# `promote --help`, and the action entry against an MLflow server and the GitHub fake (status,
# a dry run that must write nothing, and a run that opens the PR).
#
# CI runs it on every change (.github/workflows/ci.yml, job `image`) with BASE_IMAGE=default:
#
#   sudo BASE_IMAGE=default scripts/docker-smoke.sh     # a host with Docker and a registry
#   sudo scripts/docker-smoke.sh                        # offline: Debian packages only
#
# Root: it chowns the rig's files to the runner's uid (as GitHub does for a container step) and,
# where they are missing, installs a Docker engine from Debian's packages and starts dockerd.
# Offline, no image registry is needed: the base image is built locally with debootstrap.
#
# Environment (all optional):
#   SMOKE_DIR      logs, results, scratch (rewritten)      (/tmp/model-promotion-bot-smoke)
#   IMAGE          tag of the image under test             (model-promotion-bot:smoke)
#   BASE_IMAGE     BASE_IMAGE build arg of the Dockerfile  (local/python-base:bookworm);
#                  `default`: the Dockerfile's own pinned public base, no build arg
#   REBUILD_BASE   1: rebuild the local base image even if it exists
#   DEBIAN_MIRROR  mirror for debootstrap    (the one apt uses here for bookworm, else its default)
#
# Idempotent: the local base image is reused when present, scratch directories are recreated, and
# a dockerd started here is stopped on exit. Results: $SMOKE_DIR/results.txt; see docs/docker.md.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SMOKE_DIR=${SMOKE_DIR:-/tmp/model-promotion-bot-smoke}
IMAGE=${IMAGE:-model-promotion-bot:smoke}
LOCAL_BASE=local/python-base:bookworm
BASE_IMAGE=${BASE_IMAGE:-$LOCAL_BASE}
SUITE=bookworm
APP_UID=1001 # the Dockerfile's default user (the GitHub-hosted runner's uid)

log() { printf '\n==> %s\n' "$*"; }
die() { printf 'docker-smoke: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

declare -a RESULTS=()
result() { RESULTS+=("$(printf '%-34s %s' "$1" "$2")"); }

[[ $(id -u) -eq 0 ]] || die "run as root: it installs packages and starts dockerd"
cd "$ROOT"
mkdir -p "$SMOKE_DIR"
SMOKE_DIR=$(cd "$SMOKE_DIR" && pwd)

# --- 1. packages ------------------------------------------------------------------------------
# docker.io is Debian's own Docker engine (20.10 on bookworm): no third-party apt repository
# is needed. debootstrap builds the base image; git and make serve the host-side rig below.
install_packages() {
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    # debootstrap only builds the local base image.
    [[ $BASE_IMAGE != "$LOCAL_BASE" ]] || command -v debootstrap >/dev/null ||
        missing+=(debootstrap)
    command -v git >/dev/null || missing+=(git)
    command -v make >/dev/null || missing+=(make)
    if ((${#missing[@]})); then
        log "installing ${missing[*]}"
        apt-get update -q
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi
}

# --- 2. a Docker CLI that builds with BuildKit --------------------------------------------------
# The Dockerfile mounts build secrets (RUN --mount=type=secret), which needs BuildKit. Docker 23+
# builds with the buildx plugin; a pre-23 CLI (Debian's 20.10) has BuildKit built in, switched on
# by DOCKER_BUILDKIT=1. A 23+ CLI without buildx has neither, so it is skipped: some hosts have
# one first on PATH next to Debian's /usr/bin/docker.
DOCKER=""
pick_docker_cli() {
    local cli major
    for cli in docker /usr/bin/docker; do
        command -v "$cli" >/dev/null || continue
        if "$cli" buildx version >/dev/null 2>&1; then
            DOCKER=$(command -v "$cli")
            return
        fi
        major=$("$cli" --version | sed -n 's/^Docker version \([0-9]*\)\..*/\1/p')
        if [[ -n $major && $major -lt 23 ]]; then
            DOCKER=$(command -v "$cli")
            export DOCKER_BUILDKIT=1
            return
        fi
    done
    die "no Docker CLI with BuildKit: install the buildx plugin or Debian's docker.io"
}

# --- 3. the engine ----------------------------------------------------------------------------
# No systemd here, so dockerd is started directly. --iptables=false, --ip-forward=false and
# --bridge=none: builds and runs below use --network host or none, so no bridge, NAT rule or
# sysctl change is left on the host. overlay2 first; vfs (slow, copies every layer) is the
# fallback for kernels or filesystems without overlayfs.
DOCKERD_PID=""
DOCKERD_LOG=$SMOKE_DIR/dockerd.log
start_dockerd() {
    local driver
    if "$DOCKER" info >/dev/null 2>&1; then
        log "using the running Docker engine"
        return
    fi
    for driver in overlay2 vfs; do
        log "starting dockerd (storage driver $driver, log $DOCKERD_LOG)"
        dockerd --iptables=false --ip-forward=false --bridge=none \
            --storage-driver="$driver" >"$DOCKERD_LOG" 2>&1 &
        DOCKERD_PID=$!
        for _ in $(seq 60); do
            if "$DOCKER" info >/dev/null 2>&1; then
                result "storage driver" "$driver"
                return
            fi
            kill -0 "$DOCKERD_PID" 2>/dev/null || break
            sleep 0.5
        done
        stop_dockerd
        tail -n 20 "$DOCKERD_LOG" >&2 || true
    done
    die "dockerd did not start (see $DOCKERD_LOG)"
}

stop_dockerd() {
    [[ -n $DOCKERD_PID ]] || return 0
    kill "$DOCKERD_PID" 2>/dev/null || true
    # dockerd stops its own containerd; wait so a rerun does not race the old socket.
    for _ in $(seq 40); do
        kill -0 "$DOCKERD_PID" 2>/dev/null || break
        sleep 0.5
    done
    DOCKERD_PID=""
}

SECRETS_DIR=""
cleanup() {
    local status=$?
    [[ -z $SECRETS_DIR ]] || rm -rf "$SECRETS_DIR"
    if [[ -n $DOCKERD_PID ]]; then
        log "stopping the dockerd started by this script"
        stop_dockerd
    fi
    exit "$status"
}
trap cleanup EXIT

# --- 4. the local base image --------------------------------------------------------------------
# Debian bookworm minbase + Debian's python3 (3.11) and its venv module, imported as an image.
# The Dockerfile runs `python3 -m venv`, which this base and python:3.11-slim both provide.
debian_mirror() {
    local mirror=${DEBIAN_MIRROR:-}
    # deb822 sources (Debian 12's default): the stanza whose Suites has the plain suite.
    if [[ -z $mirror && -f /etc/apt/sources.list.d/debian.sources ]]; then
        mirror=$(awk -v suite="$SUITE" 'BEGIN { RS = "" }
            $0 ~ ("Suites:[^\n]*" suite "([ \n]|$)") {
                for (i = 1; i <= NF; i++) if ($i == "URIs:") { print $(i + 1); exit }
            }' /etc/apt/sources.list.d/debian.sources)
    fi
    if [[ -z $mirror && -f /etc/apt/sources.list ]]; then
        mirror=$(awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2; exit }' \
            /etc/apt/sources.list)
    fi
    # Empty: debootstrap's own default mirror.
    printf '%s\n' "$mirror"
}

build_local_base() {
    if [[ $BASE_IMAGE == default ]]; then
        log "base image: the Dockerfile's default (pulled by the build)"
        return
    fi
    if [[ $BASE_IMAGE != "$LOCAL_BASE" ]]; then
        log "base image: $BASE_IMAGE (not built here)"
        return
    fi
    if [[ ${REBUILD_BASE:-0} != 1 ]] && "$DOCKER" image inspect "$LOCAL_BASE" >/dev/null 2>&1; then
        log "base image $LOCAL_BASE exists (REBUILD_BASE=1 to rebuild it)"
        return
    fi
    local rootfs=$SMOKE_DIR/rootfs mirror started
    mirror=$(debian_mirror)
    log "debootstrap $SUITE from ${mirror:-the default mirror of debootstrap}"
    started=$(now)
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        "$SUITE" "$rootfs" ${mirror:+"$mirror"} >"$SMOKE_DIR/debootstrap.log" 2>&1 ||
        { tail -n 20 "$SMOKE_DIR/debootstrap.log" >&2; die "debootstrap failed"; }
    # What a slim image leaves out: downloaded .debs, apt lists, docs, man pages, translations.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* \
        "$rootfs"/usr/share/locale/*
    tar --numeric-owner -C "$rootfs" -c . |
        "$DOCKER" import --change 'ENV LANG=C.UTF-8' --change 'CMD ["/bin/bash"]' \
            - "$LOCAL_BASE" >/dev/null
    rm -rf "$rootfs"
    result "base image build (debootstrap)" "$(since "$started") s"
}

# --- 5. what pip needs inside the build -----------------------------------------------------------
# The build runs with --network host, so it reaches what this host reaches; what pip needs beyond
# that comes from this host's pip settings: a CA bundle (a TLS-intercepting proxy), an index URL
# (a mirror, maybe with credentials), a proxy. CA bundle and pip.conf go in as BuildKit secrets:
# mounted for the one RUN that installs the lock, never written to a layer. Proxy variables go
# in as Docker's predefined proxy build args, which are kept out of the image's history.
declare -a BUILD_ARGS=()
pip_setting() { # value of a pip setting from the host's pip config files, or empty
    python3 -m pip config list 2>/dev/null |
        sed -n "s/^[a-z:.]*\.$1='\(.*\)'\$/\1/p" | tail -n 1
}
http_urls() { tr ' ' '\n' <<<"$1" | grep -E '^https?://' | tr '\n' ' ' || true; }

collect_build_settings() {
    local cert index extra trusted name
    cert=${PIP_CERT:-$(pip_setting cert)}
    cert=${cert:-${REQUESTS_CA_BUNDLE:-${SSL_CERT_FILE:-}}}
    if [[ -n $cert && -s $cert ]]; then
        BUILD_ARGS+=(--secret "id=pip_cert,src=$cert")
        log "pip CA bundle for the build: $cert"
    fi
    # file:// indexes and find-links of this host are not visible inside the build: left out.
    index=$(http_urls "${PIP_INDEX_URL:-$(pip_setting index-url)}")
    extra=$(http_urls "${PIP_EXTRA_INDEX_URL:-$(pip_setting extra-index-url)}")
    trusted=${PIP_TRUSTED_HOST:-$(pip_setting trusted-host)}
    if [[ -n ${index// /} || -n ${extra// /} || -n $trusted ]]; then
        SECRETS_DIR=$(mktemp -d)
        {
            echo "[global]"
            [[ -z ${index// /} ]] || echo "index-url = ${index% }"
            [[ -z ${extra// /} ]] || echo "extra-index-url = ${extra% }"
            [[ -z $trusted ]] || echo "trusted-host = $trusted"
        } >"$SECRETS_DIR/pip.conf"
        chmod 600 "$SECRETS_DIR/pip.conf"
        BUILD_ARGS+=(--secret "id=pip_conf,src=$SECRETS_DIR/pip.conf")
        log "pip index settings for the build: from this host's pip config (secret pip_conf)"
    fi
    for name in HTTP_PROXY HTTPS_PROXY NO_PROXY http_proxy https_proxy no_proxy; do
        [[ -z ${!name:-} ]] || BUILD_ARGS+=(--build-arg "$name")
    done
}

# --- 6. builds: cold, then warm after a source edit ------------------------------------------------
build() { # build CONTEXT TAG LOG [extra docker build args...]
    local context=$1 tag=$2 logfile=$3
    shift 3
    local base_arg=()
    [[ $BASE_IMAGE == default ]] || base_arg=(--build-arg "BASE_IMAGE=$BASE_IMAGE")
    "$DOCKER" build --progress=plain --network host \
        "${base_arg[@]}" "${BUILD_ARGS[@]}" "$@" \
        -t "$tag" "$context" >"$logfile" 2>&1 ||
        { tail -n 40 "$logfile" >&2; die "docker build failed (log: $logfile)"; }
}

step_cached() { # LOG REGEX: was the first build step matching REGEX taken from the cache?
    local step
    step=$(grep -m1 -E "^#[0-9]+ \\[[a-z0-9-]+ [0-9]+/[0-9]+\\] $2" "$1" | cut -d' ' -f1) ||
        return 1
    grep -qx "$step CACHED" "$1"
}

builds() {
    local started context=$SMOKE_DIR/context
    # Cold: no layer from an earlier build is reused (the base image itself is present).
    log "cold build of $IMAGE (--no-cache)"
    started=$(now)
    build "$ROOT" "$IMAGE" "$SMOKE_DIR/build-cold.log" --no-cache
    result "cold build" "$(since "$started") s"

    # Warm: the same context with one source file changed. Docker's layer cache keys are file
    # contents, not mtimes, so a `touch` would change nothing; a copy of the context with a line
    # appended to bot/__init__.py is a real edit that leaves the repository untouched.
    rm -rf "$context" && mkdir -p "$context"
    tar -C "$ROOT" -c Dockerfile .dockerignore pyproject.toml README.md LICENSE \
        requirements/action.txt bot | tar -C "$context" -x
    printf '# smoke edit %s\n' "$(date +%s)" >>"$context/bot/__init__.py"
    log "warm rebuild after a source edit"
    started=$(now)
    build "$context" "$IMAGE-warm" "$SMOKE_DIR/build-warm.log"
    result "warm rebuild (source edit)" "$(since "$started") s"
    # The pip install of the lock, and the final image's copy of the venv: both must be reused.
    if step_cached "$SMOKE_DIR/build-warm.log" 'RUN .*--require-hashes' &&
        step_cached "$SMOKE_DIR/build-warm.log" 'COPY --from=venv /opt/venv'; then
        result "dependency layers on warm rebuild" "CACHED (pip install + final venv layer)"
    else
        die "a dependency layer was rebuilt after a source-only edit (log: build-warm.log)"
    fi
    "$DOCKER" image rm "$IMAGE-warm" >/dev/null
    rm -rf "$context"

    local size
    size=$("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE")
    result "image size" "$(awk -v b="$size" 'BEGIN { printf "%.0f MB (%d bytes)", b / 1e6, b }')"
    "$DOCKER" image ls --format 'table {{.Repository}}:{{.Tag}}\t{{.Size}}' |
        grep -E "^(REPOSITORY|${IMAGE%%:*}|${BASE_IMAGE%%[:@]*})" || true
}

# --- 7. runs ------------------------------------------------------------------------------------
runs() {
    local out
    log "run: promote --help"
    "$DOCKER" run --rm --network none --entrypoint promote "$IMAGE" --help
    log "run: python -m bot.cli --help"
    "$DOCKER" run --rm --network none --entrypoint python "$IMAGE" -m bot.cli --help >/dev/null
    log "run: user and imports"
    out=$("$DOCKER" run --rm --network none --entrypoint id "$IMAGE" -u)
    [[ $out == "$APP_UID" ]] || die "image runs as uid $out, expected $APP_UID"
    "$DOCKER" run --rm --network none --entrypoint python "$IMAGE" -c \
        'import boto3, github, mlflow, pydantic, ruamel.yaml; import bot.cli; print("imports ok")'
    local started
    started=$(now)
    "$DOCKER" run --rm --network none --entrypoint promote "$IMAGE" --version >/dev/null
    result "container start + promote --version" "$(since "$started") s"
    result "promote --help / imports / uid" "ok (uid $APP_UID)"
}

# The action entry, as GitHub runs a container action: the checkout mounted at /github/workspace,
# the event file, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY under /github/file_commands, inputs as
# INPUT_* variables. The registry is an MLflow server and GitHub is the test rig's GitHub fake,
# both on this host's loopback (the container shares it with --network host), started from the
# repository's .venv. Skipped, with a message, while bot/action.py does not exist.
action_run() {
    if [[ ! -f $ROOT/bot/action.py ]]; then
        log "ACTION ENTRY SKIPPED: bot/action.py does not exist yet"
        result "action entry" "skipped: no bot/action.py"
        return
    fi
    local python=$ROOT/.venv/bin/python
    if [[ ! -x $ROOT/.venv/bin/promote ]]; then
        log "creating .venv for the MLflow server and GitHub fake (make)"
        make -C "$ROOT" .venv/bin/promote ${PYTHON:+PYTHON="$PYTHON"}
    fi
    log "action entry: status and run against MLflow + GitHub fake on loopback"
    rm -rf "$SMOKE_DIR/action"
    "$python" - "$SMOKE_DIR/action" "$IMAGE" "$APP_UID" "$DOCKER" <<'PY'
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, os.getcwd())
from tests.rig.fake_github import FakeGitHub  # noqa: E402
from tests.rig.github_rig import TOKEN  # noqa: E402
from tests.rig.mlflow_rig import seed_model, start_mlflow_server  # noqa: E402
from tests.rig.repos import make_gitops_repo  # noqa: E402

work, image, uid, docker = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
work.mkdir(parents=True)
VALIDATED = {"validation_status": "passed"}


def chown_tree(root: Path) -> None:
    # On a GitHub-hosted runner these files belong to the runner user (uid 1001).
    for path in [root, *root.rglob("*")]:
        os.chown(path, uid, uid, follow_symlinks=False)


def action(
    command: str, workspace: Path, mlflow_uri: str, api_url: str, dry_run: bool = False
) -> dict[str, str]:
    run = work / f"run-{command}{'-dry' if dry_run else ''}"
    (run / "file_commands").mkdir(parents=True)
    (run / "workflow").mkdir()
    (run / "home").mkdir()
    (run / "file_commands" / "set_output").touch()
    (run / "file_commands" / "step_summary").touch()
    event = {"inputs": {}, "ref": "refs/heads/main", "repository": {"full_name": "acme/gitops"}}
    (run / "workflow" / "event.json").write_text(json.dumps(event))
    chown_tree(run)
    env = {
        "HOME": "/github/home",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_EVENT_NAME": "workflow_dispatch",
        "GITHUB_EVENT_PATH": "/github/workflow/event.json",
        "GITHUB_OUTPUT": "/github/file_commands/set_output",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/step_summary",
        "GITHUB_REPOSITORY": "acme/gitops",
        "GITHUB_API_URL": api_url,
        "INPUT_COMMAND": command,
        "INPUT_CONFIG": ".github/promotion.yml",
        "INPUT_GITHUB-TOKEN": TOKEN,
        "INPUT_DRY-RUN": "true" if dry_run else "false",
        "INPUT_MLFLOW-TRACKING-URI": mlflow_uri,
        "PROMOTE_GITHUB_REQUEST_INTERVAL": "0",
        "PROMOTE_GITHUB_WRITE_INTERVAL": "0",
    }
    argv = [docker, "run", "--rm", "--network", "host", "--workdir", "/github/workspace"]
    for host, inside in (
        (workspace, "/github/workspace"),
        (run / "file_commands", "/github/file_commands"),
        (run / "workflow", "/github/workflow"),
        (run / "home", "/github/home"),
    ):
        argv += ["-v", f"{host}:{inside}"]
    for name, value in env.items():
        argv += ["-e", f"{name}={value}"]
    print(f"\n--- INPUT_COMMAND={command} INPUT_DRY-RUN={dry_run}", flush=True)
    done = subprocess.run([*argv, image], text=True, capture_output=True, check=False)
    print(done.stdout.rstrip())
    print(done.stderr.rstrip(), file=sys.stderr)
    outputs = (run / "file_commands" / "set_output").read_text()
    summary = (run / "file_commands" / "step_summary").read_text()
    print(f"--- GITHUB_OUTPUT\n{outputs.rstrip()}\n--- GITHUB_STEP_SUMMARY\n{summary.rstrip()}")
    if done.returncode != 0:
        raise SystemExit(f"action {command}: exit {done.returncode}")
    for name in ("pr-url", "pr-number", "promoted", "skipped"):
        if f"{name}<<" not in outputs and f"{name}=" not in outputs:
            raise SystemExit(f"action {command}: output {name} not written")
    return {"outputs": outputs, "summary": summary}


server = start_mlflow_server(work / "mlflow")
fake = FakeGitHub(work / "github", owner="acme", repo="gitops", token=TOKEN)
try:
    seed_model(
        server.uri,
        "fraud-detector",
        [
            {"metrics": {"accuracy": 0.89}, "tags": {**VALIDATED, "image_tag": "v1.3.0"}},
            {"metrics": {"accuracy": 0.91}, "tags": {**VALIDATED, "image_tag": "v1.4.0"}},
        ],
    )
    fake.start()
    workspace = make_gitops_repo(work / "workspace")
    fake.seed(workspace)
    chown_tree(workspace)
    action("status", workspace, server.uri, fake.base_url)
    fake.reset_log()
    action("run", workspace, server.uri, fake.base_url, dry_run=True)
    if fake.writes() or fake.pulls:
        raise SystemExit(f"action dry run wrote to GitHub: {fake.writes()}")
    ran = action("run", workspace, server.uri, fake.base_url)
    if "pull" not in ran["outputs"]:
        raise SystemExit("action run: no pull request URL in the outputs")
finally:
    fake.stop()
    server.stop()
PY
    result "action entry (status, dry run, run)" "ok: outputs and summary written as uid $APP_UID"
}

# --- main -------------------------------------------------------------------------------------
install_packages
pick_docker_cli
result "docker CLI" "$DOCKER ($("$DOCKER" --version))"
start_dockerd
result "docker engine" "$("$DOCKER" version --format '{{.Server.Version}}')"
build_local_base
result "base image" "$BASE_IMAGE"
collect_build_settings
builds
runs
action_run

{
    printf 'docker-smoke results (%s, %s cores)\n' "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)"
    printf '%s\n' "${RESULTS[@]}"
} | tee "$SMOKE_DIR/results.txt"
