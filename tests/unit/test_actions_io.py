"""The Actions writer: heredoc outputs, escaped workflow commands, file annotations."""

from __future__ import annotations

import io
from pathlib import Path

from bot.actions.io import ActionsIO


def test_outputs_are_heredocs_with_random_delimiters(tmp_path: Path) -> None:
    out = tmp_path / "out"
    writer = ActionsIO({"GITHUB_OUTPUT": str(out)})
    writer.set_output("promoted", "line1\nghadelim_x\nline3")
    writer.set_output("pr-url", "")
    lines = out.read_text().splitlines()
    name, _, delimiter = lines[0].partition("<<")
    assert name == "promoted" and len(delimiter) > 20
    assert lines[1:4] == ["line1", "ghadelim_x", "line3"] and lines[4] == delimiter
    assert lines[5].startswith("pr-url<<") and lines[6] == ""
    assert lines[7] == lines[5].partition("<<")[2]


def test_annotations_escape_and_point_at_files(tmp_path: Path) -> None:
    stream = io.StringIO()
    writer = ActionsIO({"GITHUB_WORKSPACE": str(tmp_path)}, stream)
    writer.annotate("error", f"{tmp_path}/.github/promotion.yml:7: models.x: bad\n::set-output x")
    writer.annotate("error", "[m/prod] overlays/prod/k.yaml: images[name=a]: gone")
    writer.annotate("warning", "100% plain")
    writer.mask("s3cr3t")
    assert stream.getvalue().splitlines() == [
        "::error file=.github/promotion.yml,line=7::models.x: bad%0A::set-output x",
        "::error file=overlays/prod/k.yaml::[m/prod] overlays/prod/k.yaml: images[name=a]: gone",
        "::warning::100%25 plain",
        "::add-mask::s3cr3t",
    ]


def test_summary_appends(tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    writer = ActionsIO({"GITHUB_STEP_SUMMARY": str(summary)})
    writer.summary("### one")
    writer.summary("### two\n\n")
    assert summary.read_text() == "### one\n### two\n"


def test_job_log_lines_and_groups_cannot_start_a_command() -> None:
    import logging

    stream = io.StringIO()
    writer = ActionsIO({}, stream)
    with writer.group("fraud/prod: v1 -> v2\n::add-mask::x"):
        writer.line("reason from the registry\n::set-env name=A::b")
        writer.line("  ::warning::forged")
        record = logging.LogRecord("bot", logging.INFO, "f", 1, "tag %s", ("v2\n::error::x",), None)
        writer.log_handler().handle(record)
    assert stream.getvalue().splitlines() == [
        "::group::fraud/prod: v1 -> v2%0A::add-mask::x",
        "reason from the registry%0A::set-env name=A::b",
        ">   ::warning::forged",
        "INFO bot: tag v2%0A::error::x",
        "::endgroup::",
    ]
