"""The class for the gradebooks teachers use: Moodle, PrairieLearn, Gradescope.

Every format marks as `class mark` does: an answer is right within the sheet's tolerance of the
key's answer (worked from the printed numbers) or of the exact value -- one interval,
[min(key, exact) − tol, max(key, exact) + tol], which each format is given as a centre and a
half-width (`accepted`).

* **Moodle** (`moodle_xml`): Moodle XML, one category per blank, in it one *numerical* question
  per student (the question bank of variants: a quiz's "random question from category" gives
  each attempt one student's numbers). Each question shows that student's sheet as an SVG
  embedded in the question (``<file encoding="base64">``, shown with ``@@PLUGINFILE@@``), asks
  one blank, and accepts the key's answer with the tolerance as an absolute ``<tolerance>``.
* **PrairieLearn** (`prairielearn_files`): a question folder -- ``info.json`` (uuid, title,
  topic, tags, type ``"v3"``), ``question.html`` (the picture and one ``pl-number-input`` per
  blank, compared ``relabs`` with ``atol``), ``server.py`` whose ``generate`` draws a variant's
  numbers with this package (the student's id is ``pl-`` + the variant seed) and computes its
  key, and ``layout.json`` (the lesson's one layout, painted with the variant's numbers). The
  package and its two pure-Python dependencies go to the course's ``serverFilesCourse``, which
  PrairieLearn puts on ``server.py``'s path.
* **Gradescope** (`gradescope_files`): an autograder zip -- ``setup.sh``, ``run_autograder``,
  ``grade.py`` (which marks the submission's ``answers.txt`` with ``class mark`` and writes
  ``results.json``: score, max_score, one test per blank), the class key and the package.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import importlib.util
import io
import json
import uuid
import zipfile
from pathlib import Path
from typing import Any

from ...engine import Value, topological_order
from ..exercise import Exercise, exercise, number_text
from ..exercise.sheet import Blank
from .key import ClassKey, Entry
from .numbers import canonical, draw_lesson

__all__ = [
    "FORMATS",
    "accepted",
    "moodle_xml",
    "prairielearn_files",
    "gradescope_files",
    "zip_bytes",
    "student_sheet",
    "student_svg",
    "PL_TOPIC",
]

FORMATS = ("moodle", "prairielearn", "gradescope")
PL_TOPIC = "Backpropagation"
_BUNDLED = ("autograd_mlp", "graphviz", "tqdm")  # the package and its pure-Python dependencies


def accepted(blank: Blank, tol: float) -> tuple[float, float]:
    """(centre, half-width) of the answers `class mark` accepts for ``blank``: within ``tol``
    of the key's answer or of the exact value."""
    low = min(blank.answer, blank.exact)
    high = max(blank.answer, blank.exact)
    return (low + high) / 2, (high - low) / 2 + tol


def _fmt(x: float) -> str:
    return repr(float(x))


def student_sheet(key: ClassKey, entry: Entry) -> tuple[Exercise, Value]:
    """The student's sheet rebuilt from the key: their numbers (the draw's rule and attempt),
    their graph, the class's blanks; the answers are the key's (checked)."""
    mine = draw_lesson(key.lesson, key.seed, entry.student.id, entry.attempt)
    _, _, root = mine.forward()
    ex = exercise(
        root,
        ask=key.blanks,
        precision=key.precision,
        title=entry.sheet.title,
        decimal=key.decimal,
    )
    if [b.answer for b in ex.blanks] != [b.answer for b in entry.sheet.blanks]:
        raise ValueError(f"class export: the key's sheet of {entry.student.id!r} is not its draw")
    return ex, root


def student_svg(layout: Any, ex: Exercise, root: Value) -> str:
    """The student's sheet painted on the lesson's one layout (no Graphviz: the layout was
    made once, from the teacher's lesson; the student's graph has the same shape)."""
    from ...viz.paint import render_svg
    from ..exercise.drawing import _layout_look

    ids = {v: f"v{i}" for i, v in enumerate(topological_order(root))}
    mine = dataclasses.replace(layout, ids=ids)
    return render_svg(mine, _layout_look(ex, mine))


def layout_from_dict(data: dict[str, Any]) -> Any:
    """A `Layout` from `Layout.to_dict` (its ``ids`` empty: a caller maps its own graph)."""
    from ...viz.layout import ClusterBox, EdgeRoute, Layout, NodeBox

    nodes = {
        nid: NodeBox(
            nid,
            n["kind"],
            n["x"],
            n["y"],
            n["w"],
            n["h"],
            n["role"],
            n["label"],
            tuple(n["rows"]),
            n["cluster"],
        )
        for nid, n in data["nodes"].items()
    }
    edges = tuple(
        EdgeRoute(
            e["id"],
            e["source"],
            e["target"],
            tuple(tuple(p) for p in e["path"]),
            tuple(tuple(p) for p in e["arrow"]),
            tuple(e["label"]) if e["label"] is not None else None,
        )
        for e in data["edges"]
    )
    clusters = {
        cid: ClusterBox(cid, c["title"], c["x"], c["y"], c["w"], c["h"])
        for cid, c in data["clusters"].items()
    }
    return Layout(data["width"], data["height"], nodes, edges, clusters, {}, data["precision"])


def lesson_layout_dict(key: ClassKey) -> dict[str, Any]:
    from ..lesson_layout import lesson_layout

    board = lesson_layout(key.lesson, precision=key.precision)
    return {**board.layout.to_dict(), "precision": key.precision}


# ------------------------------------------------------------------------------------------------
# Moodle XML
# ------------------------------------------------------------------------------------------------


def _cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def moodle_xml(key: ClassKey, layout: dict[str, Any] | None = None) -> bytes:
    """The class as Moodle XML (see the module docstring)."""
    board = layout_from_dict(layout if layout is not None else lesson_layout_dict(key))
    sheets = {e.student.id: student_sheet(key, e) for e in key.entries}
    pictures = {sid: student_svg(board, ex, root) for sid, (ex, root) in sheets.items()}
    base = f"$course$/autograd_mlp/{key.lesson.name}, seed {key.seed}"
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    for k, name in enumerate(key.blanks):
        number = k + 1
        out += [
            '  <question type="category">',
            f"    <category><text>{html.escape(f'{base}/?{number} {name}')}</text></category>",
            "  </question>",
        ]
        for e in key.entries:
            b = e.sheet.blanks[k]
            centre, half = accepted(b, e.sheet.marking.tol)
            picture = base64.b64encode(pictures[e.student.id].encode("utf-8")).decode("ascii")
            file_name = f"sheet-{e.student.id}.svg"
            text = (
                f"<p>{html.escape(e.sheet.instructions)}.</p>"
                f"<p>Work from the numbers as printed, to {e.sheet.precision} decimals. "
                f"{html.escape(e.sheet.marking.describe())}</p>"
                f'<p><img src="@@PLUGINFILE@@/{file_name}" alt="{html.escape(e.sheet.title)}" '
                'style="max-width:100%"></p>'
                f"<p><b>?{number}</b> {html.escape(name)} = ?</p>"
            )
            working = html.escape(b.hint)
            shown = number_text(b.answer, e.sheet.precision, e.sheet.decimal)
            out += [
                '  <question type="numerical">',
                f"    <name><text>{html.escape(f'{e.student.id} ?{number} {name}')}</text></name>",
                f'    <questiontext format="html"><text>{_cdata(text)}</text>',
                f'      <file name="{file_name}" path="/" encoding="base64">{picture}</file>',
                "    </questiontext>",
                f'    <generalfeedback format="html"><text>{_cdata(f"<p>{shown}: {working}</p>")}'
                "</text></generalfeedback>",
                "    <defaultgrade>1</defaultgrade>",
                "    <penalty>0</penalty>",
                "    <hidden>0</hidden>",
                f"    <idnumber>{html.escape(f'{e.student.id}-q{number}')}</idnumber>",
                '    <answer fraction="100" format="moodle_auto_format">',
                f"      <text>{_fmt(centre)}</text>",
                f"      <tolerance>{_fmt(half)}</tolerance>",
                '      <feedback format="html"><text>Right.</text></feedback>',
                "    </answer>",
                "    <unitgradingtype>0</unitgradingtype>",
                "    <unitpenalty>0</unitpenalty>",
                "    <showunits>3</showunits>",
                "    <unitsleft>0</unitsleft>",
                "  </question>",
            ]
    out.append("</quiz>")
    return ("\n".join(out) + "\n").encode("utf-8")


# ------------------------------------------------------------------------------------------------
# PrairieLearn
# ------------------------------------------------------------------------------------------------


def _question_uuid(key: ClassKey) -> str:
    """A uuid fixed by the lesson, the seed and the blanks: the same export, the same uuid."""
    name = "\0".join(("autograd_mlp.class", canonical(key.lesson), str(key.seed), *key.blanks))
    return str(uuid.uuid5(uuid.NAMESPACE_URL, name))


_SERVER = '''"""PrairieLearn question from autograd_mlp (class export): each variant is one
student's numbers, drawn by autograd_mlp's documented rule from the lesson, the class seed and
the id "pl-<variant seed>"; its key is worked from the printed numbers as on the paper sheet."""

import json
import os

from autograd_mlp.teach.classroom.export import pl_generate

HERE = os.path.dirname(os.path.abspath(__file__))


def generate(data):
    with open(os.path.join(HERE, "class.json"), encoding="utf-8") as f:
        config = json.load(f)
    with open(os.path.join(HERE, "layout.json"), encoding="utf-8") as f:
        layout = json.load(f)
    params, correct = pl_generate(config, layout, data["variant_seed"])
    data["params"].update(params)
    data["correct_answers"].update(correct)
'''


def pl_generate(
    config: dict[str, Any], layout: dict[str, Any], variant_seed: object
) -> tuple[dict[str, Any], dict[str, float]]:
    """What ``server.py``'s ``generate`` puts in ``data``: params (the picture, each blank's
    tolerance) and the correct answers, for the variant ``variant_seed``."""
    from ..lesson import Lesson
    from .numbers import sheet_for

    lesson = Lesson.from_dict(config["lesson"])
    student = f"pl-{variant_seed}"
    drawn = sheet_for(
        lesson,
        config["seed"],
        student,
        config["blanks"],
        count=config["count"],
        precision=config["precision"],
        title=config["title"],
    )
    svg = student_svg(layout_from_dict(layout), drawn.sheet, drawn.root)
    params: dict[str, Any] = {"picture": svg, "student": student}
    correct: dict[str, float] = {}
    for k, b in enumerate(drawn.sheet.blanks, 1):
        centre, half = accepted(b, drawn.sheet.marking.tol)
        correct[f"q{k}"] = centre
        params[f"atol_q{k}"] = _fmt(half)
    return params, correct


def _question_html(key: ClassKey) -> str:
    first = key.entries[0].sheet if key.entries else None
    rule = html.escape(first.instructions if first is not None else "")
    marking = html.escape(first.marking.describe() if first is not None else "")
    lines = [
        "<pl-question-panel>",
        f"  <p>{rule}.</p>",
        f"  <p>Work from the numbers as printed, to {key.precision} decimals. {marking}</p>",
        '  <div style="max-width:100%; overflow-x:auto">{{{params.picture}}}</div>',
        "</pl-question-panel>",
    ]
    for k, name in enumerate(key.blanks, 1):
        lines.append(
            f'<pl-number-input answers-name="q{k}" label="?{k} {html.escape(name)} =" '
            f'comparison="relabs" rtol="0" atol="{{{{params.atol_q{k}}}}}" '
            'show-help-text="true"></pl-number-input>'
        )
    return "\n".join(lines) + "\n"


def _bundle() -> list[tuple[str, bytes]]:
    """The package and its pure-Python dependencies, as (path, bytes), sorted."""
    files = []
    for name in _BUNDLED:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(f"class export: the package {name!r} is not installed here")
        root = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(root.rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            files.append((f"{name}/{path.relative_to(root).as_posix()}", path.read_bytes()))
    return files


def question_id(key: ClassKey) -> str:
    """The question's folder name (its QID): the lesson's shape and the seed."""
    shape = "-".join(str(n) for n in key.lesson.sizes)
    return f"autograd_mlp-backprop-{shape}-seed{key.seed}"


def prairielearn_files(
    key: ClassKey, layout: dict[str, Any] | None = None
) -> list[tuple[str, bytes]]:
    """A course's files by path: the question folder ``questions/QID/`` and, in
    ``serverFilesCourse/``, the package for ``server.py`` to import."""
    info = {
        "uuid": _question_uuid(key),
        "title": f"Backpropagation by hand: {key.lesson.name}",
        "topic": PL_TOPIC,
        "tags": ["autograd_mlp", "backpropagation", "gradients", "worksheet"],
        "type": "v3",
    }
    config = {
        "lesson": key.lesson.to_dict(),
        "seed": key.seed,
        "count": key.count,
        "precision": key.precision,
        "blanks": key.blanks,
        "title": f"Worksheet: {key.lesson.name}, {key.lesson.error_formula}",
    }
    layout = layout if layout is not None else lesson_layout_dict(key)
    folder = f"questions/{question_id(key)}"
    question = [
        (f"{folder}/info.json", _json(info)),
        (f"{folder}/question.html", _question_html(key).encode("utf-8")),
        (f"{folder}/server.py", _SERVER.encode("utf-8")),
        (f"{folder}/class.json", _json(config)),
        (f"{folder}/layout.json", _json(layout)),
    ]
    return question + [(f"serverFilesCourse/{p}", data) for p, data in _bundle()]


def _json(data: object) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


# ------------------------------------------------------------------------------------------------
# Gradescope
# ------------------------------------------------------------------------------------------------

_SETUP = """#!/usr/bin/env bash
# Gradescope runs this once, when the autograder image is built: Python 3 is all it needs
# (autograd_mlp and its two pure-Python dependencies are in the zip).
set -euo pipefail
apt-get update -q
apt-get install -y -q python3
"""

_RUN = """#!/usr/bin/env bash
# Gradescope runs this for each submission: mark it with 'autograd-mlp class mark'.
set -euo pipefail
cd /autograder/source
exec python3 grade.py
"""

_GRADE = '''"""Mark one Gradescope submission with 'autograd-mlp class mark' and write results.json.

The student uploads answers.txt: one '?N = VALUE' a line and a line 'id = THEIR-ID' (the id of
the roster, printed on their sheet); without it, the Student ID of their Gradescope account
(submission_metadata.json), or its email. Each blank is one test of 1 point.
"""

import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.environ.get("AUTOGRADER_ROOT", "/autograder")
SOURCE = os.path.dirname(os.path.abspath(__file__))


def student_id(text):
    for line in text.splitlines():
        left, sep, right = line.partition("=")
        if sep and left.strip().lower() == "id":
            return right.strip()
    try:
        with open(os.path.join(ROOT, "submission_metadata.json"), encoding="utf-8") as f:
            users = json.load(f).get("users") or [{}]
        return str(users[0].get("sid") or users[0].get("email") or "").strip()
    except (OSError, ValueError):
        return ""


def main():
    submission = os.path.join(ROOT, "submission")
    names = sorted(n for n in os.listdir(submission) if n.endswith(".txt"))
    results = {"score": 0, "output": "", "tests": []}  # the most: the tests' max_score
    text = ""
    if names:
        with open(os.path.join(submission, names[0]), encoding="utf-8", errors="replace") as f:
            text = f.read()
    sid = student_id(text)
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "answers")
        os.mkdir(folder)
        if names and sid:
            kept = [
                line for line in text.splitlines()
                if line.partition("=")[0].strip().lower() != "id"
            ]
            with open(os.path.join(folder, sid + ".txt"), "w", encoding="utf-8") as f:
                f.write("\\n".join(kept) + "\\n")
        grades = os.path.join(tmp, "grades.csv")
        env = dict(os.environ, PYTHONPATH=SOURCE)
        run = subprocess.run(
            [sys.executable, "-m", "autograd_mlp", "class", "mark",
             os.path.join(SOURCE, "class-key.json"), folder, "-o", grades],
            capture_output=True, text=True, env=env,
        )
        with open(grades, encoding="utf-8", newline="") as f:
            rows = {row["id"]: row for row in csv.DictReader(f)}
    with open(os.path.join(SOURCE, "class-key.json"), encoding="utf-8") as f:
        blanks = json.load(f)["blanks"]
    row = rows.get(sid)
    if row is None or row["status"] != "submitted":
        why = row["feedback"] if row else f"no sheet for the id {sid!r}" if sid else (
            "no answers.txt, or no line 'id = YOUR-ID' in it")
        results["output"] = "Not marked: " + why + (("\\n" + run.stderr) if run.stderr else "")
    else:
        results["score"] = int(row["score"])
        results["output"] = row["feedback"]
    for k, name in enumerate(blanks, 1):
        mark = row["?%d" % k] if row is not None and row["status"] == "submitted" else "no answer"
        results["tests"].append({
            "name": "?%d %s" % (k, name),
            "number": str(k),
            "score": 1 if mark == "right" else 0,
            "max_score": 1,
            "status": "passed" if mark == "right" else "failed",
            "output": mark,
        })
    os.makedirs(os.path.join(ROOT, "results"), exist_ok=True)
    with open(os.path.join(ROOT, "results", "results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=2, ensure_ascii=False)


if __name__ == "__main__":
    main()
'''


def gradescope_files(key: ClassKey) -> list[tuple[str, bytes]]:
    """The autograder's files by path (the root of the zip Gradescope takes)."""
    return [
        ("setup.sh", _SETUP.encode("utf-8")),
        ("run_autograder", _RUN.encode("utf-8")),
        ("grade.py", _GRADE.encode("utf-8")),
        ("class-key.json", key.json_bytes()),
        *_bundle(),
    ]


EXECUTABLE = ("setup.sh", "run_autograder")


def zip_bytes(files: list[tuple[str, bytes]]) -> bytes:
    """A zip of ``files`` at its root, the same bytes for the same files (fixed dates), the
    scripts executable."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in EXECUTABLE else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
