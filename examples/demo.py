"""The embedded demo: a local MLflow store, a local GitOps repo, and the bot run on them.

No GitHub and no cloud: the registry is an sqlite file and the "pull request" is a branch
with one commit plus the PR text printed to the terminal.

    make demo            # or: python examples/demo.py [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
IDENT = {
    "GIT_AUTHOR_NAME": "Demo User",
    "GIT_AUTHOR_EMAIL": "demo@example.com",
    "GIT_COMMITTER_NAME": "Demo User",
    "GIT_COMMITTER_EMAIL": "demo@example.com",
}


def sh(*args: str, cwd: Path, env: dict[str, str], show: bool = True) -> str:
    if show:
        print(f"\n$ {' '.join(args)}", flush=True)
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    text = result.stdout + result.stderr
    if show:
        print(text.rstrip(), flush=True)
    if result.returncode not in (0,):
        raise SystemExit(f"demo: `{' '.join(args)}` exited {result.returncode}")
    return text


def make_repo(workdir: Path, env: dict[str, str]) -> Path:
    repo = workdir / "gitops"
    shutil.copytree(HERE / "gitops-repo", repo)
    sh("git", "init", "-q", "-b", "main", cwd=repo, env=env, show=False)
    sh("git", "add", "-A", cwd=repo, env=env, show=False)
    sh(
        "git",
        "commit",
        "-q",
        "-m",
        "GitOps repo: inference server v1",
        cwd=repo,
        env=env,
        show=False,
    )
    return repo


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workdir", type=Path, help="where to build the demo (default: a temp dir)"
    )
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="promote-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    bindir = Path(sys.executable).parent
    uri = f"sqlite:///{workdir / 'mlflow.db'}"
    env = {
        **os.environ,
        **IDENT,
        "MLFLOW_TRACKING_URI": uri,
        "PATH": f"{bindir}:{os.environ['PATH']}",
    }
    env.pop("GITHUB_TOKEN", None)  # the demo is local by design

    print(f"demo workdir: {workdir}\nregistry:     {uri}")
    sh(sys.executable, str(HERE / "seed_registry.py"), "--tracking-uri", uri, cwd=workdir, env=env)
    repo = make_repo(workdir, env)
    promote = str(bindir / "promote")
    sh(promote, "validate", cwd=repo, env=env)
    sh(promote, "status", cwd=repo, env=env)
    sh(promote, "plan", "--env", "prod", cwd=repo, env=env)
    sh(promote, "run", "--output", str(workdir / "pull-requests.md"), cwd=repo, env=env)
    sh("git", "log", "--oneline", "--all", "--decorate", cwd=repo, env=env)
    sh("git", "show", "--stat", "--format=%B", "promote/fraud-detector/prod", cwd=repo, env=env)
    print("\nA second run finds nothing new and writes nothing:")
    sh(promote, "run", cwd=repo, env=env)
    print(f"\nPR texts: {workdir / 'pull-requests.md'}\nrepository: {repo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
