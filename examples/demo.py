"""The embedded demo: a model walks dev -> staging -> prod through the bot's pull requests.

No GitHub and no cloud: the registry is an sqlite file, the GitOps repository is a local Git
repository, a "pull request" is the branch the bot creates (its title and body printed), and
"merging" it is a `git merge` done here, as a reviewer would click Merge.

    make demo            # or: python examples/demo.py [--workdir DIR]

What it shows, in order: a promotion path (staging takes what dev runs, prod what staging runs),
a soak time that makes prod wait, a retrained candidate blocked by a metric gate, a promotion to
prod on purpose, and a rollback of prod to the version before.
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
MODEL = "fraud-detector"
IDENT = {
    "GIT_AUTHOR_NAME": "Demo User",
    "GIT_AUTHOR_EMAIL": "demo@example.com",
    "GIT_COMMITTER_NAME": "Demo User",
    "GIT_COMMITTER_EMAIL": "demo@example.com",
}
# The example config, with the policy that makes the path visible: each environment takes what
# the one before it runs, prod only after a day in staging, and a candidate must not be less
# accurate than what runs now.
POLICY = {
    "    metrics: [accuracy, precision, latency_p99_ms]\n": (
        "    metrics: [accuracy, precision, latency_p99_ms]\n"
        '    gates: ["accuracy >= deployed - 0.01"]   # every environment\n'
    ),
    "      staging:\n": "      staging:\n        from: dev\n",
    "      prod:\n": (
        "      prod:\n"
        "        from: staging\n"
        "        soak_hours: 24\n"
        '        gates: ["latency_p99_ms <= deployed * 1.10"]\n'
    ),
}


class Demo:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.repo = workdir / "gitops"
        self.bindir = Path(sys.executable).parent
        self.uri = f"sqlite:///{workdir / 'mlflow.db'}"
        self.env = {
            **os.environ,
            **IDENT,
            "MLFLOW_TRACKING_URI": self.uri,
            "PATH": f"{self.bindir}:{os.environ['PATH']}",
        }
        # The demo is local by design: no token, and not "inside GitHub Actions".
        for name in ("GITHUB_TOKEN", "GITHUB_ACTIONS", "GITHUB_REPOSITORY"):
            self.env.pop(name, None)

    def sh(self, *args: str, show: bool = True, cwd: Path | None = None) -> str:
        if show:
            shown = [Path(a).name if a.startswith(str(self.bindir)) else a for a in args]
            print(f"\n$ {' '.join(shown)}", flush=True)
        result = subprocess.run(
            args, cwd=cwd or self.repo, env=self.env, capture_output=True, text=True, check=False
        )
        text = result.stdout + result.stderr
        if show:
            print(text.rstrip(), flush=True)
        if result.returncode != 0:
            if not show:
                print(text.rstrip(), file=sys.stderr)
            raise SystemExit(f"demo: `{' '.join(args)}` exited {result.returncode}")
        return text

    def promote(self, *args: str) -> str:
        return self.sh(str(self.bindir / "promote"), *args)

    def seed(self, *extra: str) -> None:
        script = str(HERE / "seed_registry.py")
        print(
            self.sh(
                sys.executable,
                script,
                "--tracking-uri",
                self.uri,
                *extra,
                show=False,
                cwd=self.workdir,
            ).strip()
        )

    def make_repo(self) -> None:
        shutil.copytree(HERE / "gitops-repo", self.repo)
        config = self.repo / ".github" / "promotion.yml"
        text = config.read_text(encoding="utf-8")
        for old, new in POLICY.items():
            assert text.count(old) == 1, f"examples/gitops-repo config changed: {old!r}"
            text = text.replace(old, new)
        config.write_text(text, encoding="utf-8")
        self.sh("git", "init", "-q", "-b", "main", show=False)
        self.sh("git", "add", "-A", show=False)
        self.sh("git", "commit", "-q", "-m", "GitOps repo: inference server v1", show=False)

    def merge(self, env: str) -> None:
        """Merge the promotion branch of ``env`` and delete it, as GitHub would."""
        branch = f"promote/{MODEL}/{env}"
        print(f"\n# a reviewer merges {branch}")
        self.sh("git", "merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch, show=False)
        self.sh("git", "branch", "-q", "-D", branch, show=False)


def step(title: str) -> None:
    print(f"\n{'=' * 100}\n{title}\n{'=' * 100}", flush=True)


def run(demo: Demo) -> None:
    step("1. The registry: v1 runs everywhere, v2 is validated, v3 failed validation")
    demo.seed()
    demo.make_repo()
    demo.promote("validate")
    demo.promote("status")

    step("2. dev takes the newest validated version; staging and prod follow the path")
    demo.promote("run", "--output", str(demo.workdir / "pull-requests.md"))
    demo.sh("git", "show", "--stat", "--format=%n%B", f"promote/{MODEL}/dev")
    demo.merge("dev")

    step("3. staging takes what dev runs now")
    demo.promote("run")
    demo.merge("staging")

    step("4. prod takes what staging runs, but only after 24 h there: it waits")
    demo.promote("run", "--env", "prod")

    step("5. A retrained v4 passes validation but is less accurate: the gate blocks it")
    demo.seed("--retrained")
    demo.promote("run", "--env", "dev")
    demo.promote("status")

    step("6. A release manager promotes v2 to prod on purpose (no soak wait), and it is merged")
    demo.promote("run", "--env", "prod", "--version", "2")
    demo.merge("prod")

    step("7. Something is wrong in prod: roll it back to v1, again as a reviewed change")
    demo.promote("run", "--env", "prod", "--version", "1")
    demo.sh("git", "log", "--oneline", "--graph", "--all", "--decorate")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--workdir", type=Path, help="where to build the demo (default: temp dir)")
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="promote-demo-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if (workdir / "gitops").exists():
        parser.error(f"{workdir / 'gitops'} exists: pass an empty --workdir")
    demo = Demo(workdir)
    print(f"demo workdir: {workdir}\nregistry:     {demo.uri}")
    run(demo)
    print(f"\nPR texts of step 2: {workdir / 'pull-requests.md'}\nrepository: {demo.repo}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
