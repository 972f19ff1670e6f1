"""``class export``: each gradebook format checked against its published specification, and
each marks as ``class mark`` does (issue 22).

The specifications, as transcribed here (the sources cited at each constant):

* Moodle XML: https://docs.moodle.org/en/Moodle_XML_format -- a ``<quiz>`` of ``<question>``s,
  a ``type="category"`` one naming a category ``$course$/...``; each question has ``<name>`` and
  ``<questiontext format=...>`` with ``<text>``; embedded files are ``<file name= path=
  encoding="base64">`` inside the text element's parent, referred to as ``@@PLUGINFILE@@/name``;
  a numerical question's ``<answer fraction="100">`` has ``<text>`` (a number with a decimal
  point) and ``<tolerance>`` (absolute, "nominal"): right when ``|given − text| ≤ tolerance``
  (Moodle's question/format/xml/format.php, ``import_numerical``).
* PrairieLearn: ``infoQuestion.json`` (apps/prairielearn/src/schemas/schemas/infoQuestion.json)
  requires uuid, type, title, topic; allows no other property than those listed in
  `PL_INFO_PROPERTIES`; uuid matches `PL_UUID`; type is one of `PL_TYPES`; tags an array of
  strings. ``pl-number-input`` (elements/pl-number-input/schemas/pl-number-input.json) requires
  ``answers-name`` and allows only the attributes of `PL_NUMBER_INPUT`; ``comparison`` is
  relabs, sigfig or decdig; relabs marks right when ``|given − correct| ≤ atol + rtol·|correct|``.
* Gradescope: https://gradescope-autograders.readthedocs.io/en/latest/specs/ -- the zip holds
  ``setup.sh`` and ``run_autograder`` at its root; ``run_autograder`` writes
  ``/autograder/results/results.json`` with ``score`` (optional when every test has one),
  ``output``, ``tests``: each with ``score``, ``max_score``, ``name``, ``number``, ``output``,
  ``status`` ("passed" or "failed"), optionally ``visibility`` (hidden, after_due_date,
  after_published, visible).
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from html import unescape
from pathlib import Path

import pytest

from autograd_mlp.commands.cli import main
from autograd_mlp.teach.classroom import ClassKey, Student, load_key, sheet_for
from autograd_mlp.teach.classroom.export import accepted, pl_generate
from autograd_mlp.teach.classroom.sheets import build_class
from autograd_mlp.teach.lesson import DEFAULT_LESSON
from tests.conftest import needs

# PrairieLearn's infoQuestion.json (required and allowed properties, uuid pattern, type enum)
PL_INFO_REQUIRED = ("uuid", "type", "title", "topic")
PL_INFO_PROPERTIES = {
    "comment", "uuid", "type", "title", "topic", "tags", "authors", "clientFiles",
    "clientTemplates", "template", "gradingMethod", "singleVariant", "showCorrectAnswer",
    "partialCredit", "options", "externalGradingOptions", "dependencies", "workspaceOptions",
    "sharingSets", "sharePublicly", "shareSourcePublicly", "preferences",
}  # fmt: skip
PL_UUID = re.compile(
    r"^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$"
)
PL_TYPES = ("Calculation", "MultipleChoice", "Checkbox", "File", "MultipleTrueFalse", "v3")
# pl-number-input's attributes and the kind of value each takes (its schema's "format")
PL_NUMBER_INPUT = {
    "allow-blank": "boolean", "allow-complex": "boolean", "allow-fractions": "boolean",
    "answers-name": "text", "aria-label": "text", "atol": "number", "blank-value": "text",
    "comparison": ("relabs", "sigfig", "decdig"), "correct-answer": "number",
    "custom-format": "text", "digits": "integer", "display": ("block", "inline"),
    "initial-value": "text", "label": "text", "placeholder": "text", "rtol": "number",
    "show-correct-answer": "boolean", "show-help-text": "boolean", "show-placeholder": "boolean",
    "show-score": "boolean", "size": "integer", "suffix": "text", "weight": "integer",
}  # fmt: skip
GRADESCOPE_TEST_FIELDS = {
    "score", "max_score", "status", "name", "name_format", "number", "output", "output_format",
    "tags", "visibility", "extra_data",
}  # fmt: skip
GRADESCOPE_TOP_FIELDS = {
    "score", "execution_time", "output", "output_format", "test_output_format",
    "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard",
}  # fmt: skip


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def key_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("class")
    key = build_class(DEFAULT_LESSON, [Student("ada"), Student("alan"), Student("grace")], 4)
    return key.save(folder / "class-key.json")


def _probes(centre: float, half: float, tol: float) -> list[float]:
    """Answers around the accepted interval: inside, at its edges, just outside."""
    return [
        centre,
        centre + half * 0.999,
        centre - half * 0.999,
        centre + half * 1.01,
        centre - half * 1.01,
        centre + tol * 3,
    ]


def _same_marks(key: ClassKey, sid: str, accepts: object) -> None:
    entry = key.by_id()[sid]
    for k, b in enumerate(entry.sheet.blanks):
        centre, half = accepted(b, entry.sheet.marking.tol)
        for given in _probes(centre, half, entry.sheet.marking.tol):
            ours = entry.sheet.marking.accepts(given, b.answer, b.exact)
            assert accepts(k, given) == ours, (sid, b.name, given)  # type: ignore[operator]


# ------------------------------------------------------------------------------------------------
# Moodle
# ------------------------------------------------------------------------------------------------


def test_moodle_xml_follows_the_format_and_marks_as_class_mark(
    key_path: Path, tmp_path: Path
) -> None:
    needs("pygraphviz")
    out = tmp_path / "quiz.xml"
    code, _, err = _run(["class", "export", str(key_path), "--format", "moodle", "-o", str(out)])
    assert code == 0, err
    raw = out.read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')  # first line
    quiz = ET.fromstring(raw)
    assert quiz.tag == "quiz"
    key = load_key(key_path)
    questions = list(quiz)
    categories = [q for q in questions if q.get("type") == "category"]
    numerical = [q for q in questions if q.get("type") == "numerical"]
    assert len(categories) == len(key.blanks) and len(numerical) == len(key.blanks) * 3
    assert all(c.findtext("category/text", "").startswith("$course$/") for c in categories)
    by_name: dict[str, ET.Element] = {}
    for q in numerical:
        name = q.findtext("name/text")
        assert name and name not in by_name
        by_name[name] = q
        text = q.find("questiontext")
        assert text is not None and text.get("format") == "html"
        body = text.findtext("text", "")
        files = text.findall("file")
        assert len(files) == 1 and files[0].get("encoding") == "base64"
        assert files[0].get("path") == "/"
        assert f"@@PLUGINFILE@@/{files[0].get('name')}" in body
        svg = base64.b64decode(files[0].text or "").decode("utf-8")
        assert svg.startswith("<svg") and "?1" in svg
        answers = q.findall("answer")
        assert [a.get("fraction") for a in answers] == ["100"]
        float(answers[0].findtext("text", ""))  # a number with a decimal point
        assert float(answers[0].findtext("tolerance", "")) > 0
    for sid in ("ada", "alan", "grace"):
        entry = key.by_id()[sid]
        for k, b in enumerate(entry.sheet.blanks, 1):
            q = by_name[f"{sid} ?{k} {b.name}"]
            # the picture is the student's own sheet: their blank numbers, none of their answers
            svg = base64.b64decode(q.find("questiontext/file").text or "").decode()  # type: ignore[union-attr]
            assert f"grad ?{k}<" in svg

        def moodle_accepts(k: int, given: float, sid: str = sid) -> bool:
            b = key.by_id()[sid].sheet.blanks[k]
            answer = by_name[f"{sid} ?{k + 1} {b.name}"].find("answer")
            assert answer is not None
            value = float(answer.findtext("text", ""))
            return abs(given - value) <= float(answer.findtext("tolerance", ""))

        _same_marks(key, sid, moodle_accepts)
    _run(["class", "export", str(key_path), "--format", "moodle", "-o", str(tmp_path / "2.xml")])
    assert (tmp_path / "2.xml").read_bytes() == raw  # the same key, the same bytes


# ------------------------------------------------------------------------------------------------
# PrairieLearn
# ------------------------------------------------------------------------------------------------


def _attribute_ok(kind: object, value: str) -> bool:
    if isinstance(kind, tuple):
        return value in kind
    if kind == "boolean":
        return value.lower() in ("true", "false", "1", "0", "t", "f", "yes", "no")
    if kind == "integer":
        return re.fullmatch(r"-?\d+", value) is not None
    if kind == "number":
        return value.startswith("{{") or re.fullmatch(r"-?[\d.]+(e-?\d+)?", value) is not None
    return True


def test_prairielearn_question_follows_the_schemas_and_marks_as_class_mark(
    key_path: Path, tmp_path: Path
) -> None:
    needs("pygraphviz")
    out = tmp_path / "course"
    code, _, err = _run(
        ["class", "export", str(key_path), "--format", "prairielearn", "-o", str(out)]
    )
    assert code == 0, err
    (folder,) = (out / "questions").iterdir()
    info = json.loads((folder / "info.json").read_text(encoding="utf-8"))
    assert all(k in info for k in PL_INFO_REQUIRED) and set(info) <= PL_INFO_PROPERTIES
    assert PL_UUID.match(info["uuid"]) and info["type"] == "v3" in PL_TYPES
    assert isinstance(info["tags"], list) and all(isinstance(t, str) for t in info["tags"])
    assert isinstance(info["title"], str) and isinstance(info["topic"], str)
    page = (folder / "question.html").read_text(encoding="utf-8")
    inputs = re.findall(r"<pl-number-input ([^>]*)>", page)
    key = load_key(key_path)
    assert len(inputs) == len(key.blanks)
    names = []
    for tag in inputs:
        attrs = {k: unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', tag)}
        assert "answers-name" in attrs and set(attrs) <= set(PL_NUMBER_INPUT), attrs
        assert all(_attribute_ok(PL_NUMBER_INPUT[k], v) for k, v in attrs.items()), attrs
        assert attrs["comparison"] == "relabs" and attrs["rtol"] == "0"
        names.append(attrs["answers-name"])
    assert names == [f"q{k}" for k in range(1, len(key.blanks) + 1)]
    # server.py, run as PrairieLearn runs it: serverFilesCourse on the path, generate(data)
    script = (
        "import json, sys, importlib.util\n"
        f"sys.path.insert(0, {str(out / 'serverFilesCourse')!r})\n"
        f"spec = importlib.util.spec_from_file_location('server', {str(folder / 'server.py')!r})\n"
        "server = importlib.util.module_from_spec(spec); spec.loader.exec_module(server)\n"
        "data = {'params': {}, 'correct_answers': {}, 'variant_seed': 2718}\n"
        "server.generate(data)\n"
        "import autograd_mlp; assert 'serverFilesCourse' in autograd_mlp.__file__\n"
        "data['params'].pop('picture')\n"
        "print(json.dumps(data))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=folder,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    params, correct = pl_generate(
        json.loads((folder / "class.json").read_text(encoding="utf-8")),
        json.loads((folder / "layout.json").read_text(encoding="utf-8")),
        2718,
    )
    assert data["correct_answers"] == correct
    assert "grad ?1<" in params["picture"]
    # the variant is student "pl-2718" of the class: relabs marks as class mark does
    drawn = sheet_for(key.lesson, key.seed, "pl-2718", key.blanks, count=key.count)
    for k, b in enumerate(drawn.sheet.blanks, 1):
        c, atol = correct[f"q{k}"], float(data["params"][f"atol_q{k}"])
        centre, half = accepted(b, drawn.sheet.marking.tol)
        for given in _probes(centre, half, drawn.sheet.marking.tol):
            assert (abs(given - c) <= atol + 0 * abs(c)) == drawn.sheet.marking.accepts(
                given, b.answer, b.exact
            )


# ------------------------------------------------------------------------------------------------
# Gradescope
# ------------------------------------------------------------------------------------------------


def test_gradescope_autograder_writes_results_json_as_class_mark_marks(
    key_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "autograder.zip"
    code, _, err = _run(
        ["class", "export", str(key_path), "--format", "gradescope", "-o", str(out)]
    )
    assert code == 0, err
    root = tmp_path / "autograder"
    with zipfile.ZipFile(out) as archive:
        names = archive.namelist()
        assert "setup.sh" in names and "run_autograder" in names  # at the root of the zip
        for script in ("setup.sh", "run_autograder"):
            assert (archive.getinfo(script).external_attr >> 16) & 0o111  # executable
            assert archive.read(script).startswith(b"#!")
        archive.extractall(root / "source")
    key = load_key(key_path)
    entry = key.by_id()["alan"]
    lines = ["id = alan"] + [f"?{b.number} = {b.answer}" for b in entry.sheet.blanks]
    lines[2] = "?2 = 99"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "answers.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["AUTOGRADER_ROOT"] = str(root)
    done = subprocess.run(
        [sys.executable, str(root / "source" / "grade.py")], capture_output=True, text=True,
        env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert set(results) <= GRADESCOPE_TOP_FIELDS
    assert results["score"] == 5 and sum(t["max_score"] for t in results["tests"]) == 6
    assert len(results["tests"]) == len(key.blanks)
    for test in results["tests"]:
        assert set(test) <= GRADESCOPE_TEST_FIELDS
        assert test["status"] in ("passed", "failed")
        assert test["max_score"] == 1 and test["score"] in (0, 1)
    assert [t["status"] for t in results["tests"]][:3] == ["passed", "failed", "passed"]
    assert "?2: 99.0000 is wrong" in results["output"]
    # the same answers through class mark: the same score
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "alan.txt").write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")
    _run(["class", "mark", str(key_path), str(folder), "-o", str(tmp_path / "g.csv")])
    row = [
        r
        for r in (tmp_path / "g.csv").read_text(encoding="utf-8").splitlines()
        if r.startswith("alan,")
    ]
    assert row and row[0].split(",")[3] == "5"
    (root / "submission" / "answers.txt").write_text("?1 = 1\n", encoding="utf-8")  # no id
    subprocess.run(
        [sys.executable, str(root / "source" / "grade.py")], env=env, timeout=120, check=True
    )
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 0 and "id = YOUR-ID" in results["output"]


def test_export_errors(key_path: Path, tmp_path: Path) -> None:
    key = str(key_path)
    for argv, message in (
        ([key, "--format", "moodle", "-o", str(tmp_path / "q.txt")], ".xml"),
        ([key, "--format", "gradescope", "-o", str(tmp_path / "a")], ".zip"),
        (
            [str(tmp_path / "no.json"), "--format", "moodle", "-o", str(tmp_path / "q.xml")],
            "cannot read",
        ),
        ([key, "--format", "canvas", "-o", str(tmp_path / "q.xml")], "invalid choice"),
    ):
        code, _, err = _run(["class", "export", *argv])
        assert code == 2 and message in err, (argv, err)
