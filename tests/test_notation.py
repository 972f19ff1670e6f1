"""The notation of a lesson (teach/notation.py): read, checked, written back, and never a
change to a number."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograd_mlp.teach.lesson import DEFAULT_LESSON, Lesson
from autograd_mlp.teach.notation import DEFAULT_NOTATION, Notation


def _with(notation: object) -> dict[str, object]:
    data = DEFAULT_LESSON.to_dict()
    data["notation"] = notation
    return data


def test_the_default_is_the_tutorials_notation_and_is_not_written() -> None:
    assert DEFAULT_LESSON.notation == Notation("a", "ji", ".")
    assert "notation" not in DEFAULT_LESSON.to_dict()  # files without it stay as they were


def test_a_file_sets_the_notation_and_saving_keeps_it(tmp_path: Path) -> None:
    path = tmp_path / "lesson.json"
    path.write_text(
        json.dumps(_with({"learning_rate": "eta", "weight_indices": "ij", "decimal": ","})),
        encoding="utf-8",
    )
    lesson = Lesson.load(path)
    assert lesson.notation == Notation("η", "ij", ",")  # "eta" is read as the symbol
    lesson.save(path)
    again = json.loads(path.read_text(encoding="utf-8"))
    assert again["notation"] == {"learning_rate": "η", "weight_indices": "ij", "decimal": ","}
    assert Lesson.load(path) == lesson


def test_only_what_differs_from_the_default_is_written() -> None:
    assert Notation(learning_rate="α").to_dict() == {"learning_rate": "α"}
    assert DEFAULT_NOTATION.to_dict() == {}


def test_the_notation_changes_no_number() -> None:
    lesson = Lesson.from_dict(_with({"decimal": ",", "learning_rate": "η"}))
    _, y, error = lesson.backward()
    _, y0, error0 = DEFAULT_LESSON.backward()
    assert error.data == error0.data and [v.data for v in y] == [v.data for v in y0]


@pytest.mark.parametrize(
    ("notation", "words"),
    [
        ({"learning_rate": "lr"}, "notation.learning_rate: expected one of 'a', 'η'"),
        ({"weight_indices": "kj"}, "notation.weight_indices: expected 'ji'"),
        ({"decimal": ";"}, "notation.decimal: expected '.' or ','"),
        ({"decimal": 1}, "notation.decimal: expected a text, got 1"),
        ({"colour": "red"}, "notation: unknown field 'colour'"),
        (["η"], "notation: expected an object"),
    ],
)
def test_a_bad_notation_is_one_line_naming_the_field(notation: object, words: str) -> None:
    with pytest.raises(ValueError) as err:
        Lesson.from_dict(_with(notation))
    assert str(err.value).startswith(words) and "\n" not in str(err.value)


def test_numbers_are_written_with_the_separator_but_labels_keep_their_dots() -> None:
    comma = Notation(decimal=",")
    assert comma.number("-0.2121") == "-0,2121"
    assert DEFAULT_NOTATION.number("-0.2121") == "-0.2121"
