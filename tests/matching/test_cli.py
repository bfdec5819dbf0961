"""``python -m matching solve`` through a real subprocess: the JSON contract and every bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def solve(text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "matching", "solve"],
        input=text,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=60,
    )


GOOD = {
    "pupils": [{"id": "p1", "priority": False}, {"id": "p2", "priority": True}, {"id": "p3"}],
    "ambassadors": [{"id": "a1", "capacity": 1}, {"id": "a2", "capacity": 1}],
    "edges": [
        {"pupil": "p1", "ambassador": "a1", "score": 0.83},
        {"pupil": "p2", "ambassador": "a1", "score": 0.1},
        {"pupil": "p3", "ambassador": "a2", "score": 0.5},
        {"pupil": "p1", "ambassador": "a2", "score": 0.9},
    ],
    "locked": [{"pupil": "p3", "ambassador": "a2"}],
}


def test_solve_answers_the_contract() -> None:
    proc = solve(json.dumps(GOOD))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out == {
        "pairs": [
            {"pupil": "p2", "ambassador": "a1", "score": 0.1},
            {"pupil": "p3", "ambassador": "a2", "score": 0.5},
        ],
        "matched": 2,
        "priority_matched": 1,
        "total_score": pytest.approx(0.6),
    }


def test_solve_without_optional_fields_and_in_any_order() -> None:
    doc: dict[str, list[dict[str, Any]]] = {
        "ambassadors": [{"id": "b", "capacity": 2}, {"id": "a", "capacity": 0}],
        "pupils": [{"id": "y"}, {"id": "x"}],
        "edges": [
            {"pupil": "y", "ambassador": "b", "score": 1},
            {"pupil": "x", "ambassador": "b", "score": 0.5},
            {"pupil": "x", "ambassador": "a", "score": 2.0},
        ],
    }
    first = json.loads(solve(json.dumps(doc)).stdout)
    doc["edges"].reverse()
    doc["pupils"].reverse()
    assert json.loads(solve(json.dumps(doc)).stdout) == first
    assert first["matched"] == 2
    assert first["total_score"] == pytest.approx(1.5)


def _with(**changes: object) -> str:
    doc = json.loads(json.dumps(GOOD))
    doc.update(changes)
    return json.dumps(doc)


BAD = {
    "not JSON": ("{pupils: [", "not valid JSON"),
    "not an object": ("[1, 2]", "must be a JSON object"),
    "NaN": (_with().replace("0.83", "NaN"), "NaN"),
    "Infinity": (_with().replace("0.83", "Infinity"), "Infinity"),
    "-Infinity": (_with().replace("0.83", "-Infinity"), "Infinity"),
    "overflowing number": (_with().replace("0.83", "1e999"), "finite"),
    "missing pupils": (json.dumps({"ambassadors": [], "edges": []}), "'pupils'"),
    "score not a number": (_with().replace("0.83", '"high"'), "number"),
    "negative capacity": (
        _with(ambassadors=[{"id": "a1", "capacity": -1}, {"id": "a2", "capacity": 1}]),
        "negative",
    ),
    "capacity not an integer": (
        _with(ambassadors=[{"id": "a1", "capacity": 1.5}, {"id": "a2", "capacity": 1}]),
        "integer",
    ),
    "unknown pupil in edge": (
        _with(edges=[{"pupil": "zz", "ambassador": "a1", "score": 1}], locked=[]),
        "unknown pupil",
    ),
    "unknown ambassador in edge": (
        _with(edges=[{"pupil": "p1", "ambassador": "zz", "score": 1}], locked=[]),
        "unknown ambassador",
    ),
    "unknown pupil in lock": (
        _with(locked=[{"pupil": "zz", "ambassador": "a1"}]),
        "unknown pupil",
    ),
    "duplicate pupil id": (_with(pupils=[{"id": "p1"}, {"id": "p1"}]), "duplicate pupil"),
    "duplicate ambassador id": (
        _with(ambassadors=[{"id": "a1", "capacity": 1}, {"id": "a1", "capacity": 1}]),
        "duplicate ambassador",
    ),
    "id not a string": (_with(pupils=[{"id": 7}]), "string"),
    "duplicate edge": (
        _with(
            edges=[
                {"pupil": "p1", "ambassador": "a1", "score": 1},
                {"pupil": "p1", "ambassador": "a1", "score": 2},
            ],
            locked=[],
        ),
        "duplicate edge",
    ),
    "locked pair not an edge": (
        _with(locked=[{"pupil": "p3", "ambassador": "a1"}]),
        "not an edge",
    ),
    "pupil locked twice": (
        _with(locked=[{"pupil": "p1", "ambassador": "a1"}, {"pupil": "p1", "ambassador": "a2"}]),
        "locked twice",
    ),
    "locks beyond capacity": (
        _with(locked=[{"pupil": "p1", "ambassador": "a1"}, {"pupil": "p2", "ambassador": "a1"}]),
        "capacity",
    ),
    "priority not a boolean": (_with(pupils=[{"id": "p1", "priority": "yes"}]), "priority"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_exits_2_with_one_line(case: str) -> None:
    text, expected = BAD[case]
    proc = solve(text)
    assert proc.returncode == 2, proc.stdout
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert expected.lower() in lines[0].lower()


def test_bench_runs_a_small_size_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [sys.executable, "-m", "matching", "bench", "--sizes", "tiny", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "| tiny | 400 × 50 |" in proc.stdout
    (row,) = json.loads(out.read_text())
    assert row["certified"] is True
    assert row["lsa"]["matched"] == row["matched"]
    assert row["lsa"]["priority_matched"] == row["priority_matched"]


def test_bench_rejects_unknown_size(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "matching", "bench", "--sizes", "galaxy", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 2
    assert "unknown size" in proc.stderr
