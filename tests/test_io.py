"""Saving and loading models: exact round trip, versioned JSON, atomic writes, and every kind of
bad file (or path that is no file: FIFO, device, a file above the size cap) raises ValueError
saying briefly what is wrong while changing nothing."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import pytest

import autograd_mlp.nn.io as io
from autograd_mlp import MLP
from autograd_mlp.nn.io import FORMAT, VERSION, load, load_state, save


def weights(model: MLP) -> list[float]:
    return [p.data for p in model.parameters()]


def test_round_trip_is_exact_and_the_file_is_readable_json(tmp_path: Path) -> None:
    model = MLP(3, [4, 1], activation="tanh", output_activation="sigmoid", seed=5)
    model.layers[0].neurons[1].w[2].data = 0.1 + 0.2  # not representable in few digits
    path = model.save(tmp_path / "m.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == FORMAT and data["version"] == VERSION
    assert data["architecture"] == {"nin": 3, "nouts": [4, 1]}
    assert data["activations"] == ["tanh", "sigmoid"]
    assert data["parameters"][0] == {"label": "L1.N1.w1", "value": weights(model)[0]}
    assert data["parameters"][-1]["label"] == "L2.N1.b"
    again = MLP.load(path)
    assert weights(again) == weights(model)  # bit for bit
    assert again.describe() == model.describe()
    x = [0.3, -0.7, 1.1]
    assert again(x).data == model(x).data  # type: ignore[union-attr]
    assert [f.name for f in tmp_path.iterdir()] == ["m.json"]  # no temporary file left behind


def test_load_state_into_existing_model(tmp_path: Path) -> None:
    source = MLP(2, [3, 2], seed=1)
    save(source, tmp_path / "w.json")
    target = MLP(2, [3, 2], seed=2)
    assert weights(target) != weights(source)
    target.load_state(tmp_path / "w.json")
    assert weights(target) == weights(source)


def test_hidden_activation_set_by_hand_survives(tmp_path: Path) -> None:
    model = MLP(2, [2, 2, 1], activation="relu", seed=0)
    for n in model.layers[1].neurons:
        n.activation = "sigmoid"
    again = load(save(model, tmp_path / "m.json"), MLP)
    assert [layer.activation for layer in again.layers] == ["relu", "sigmoid", "linear"]


def test_non_finite_weight_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    model = MLP(1, [1], seed=0)
    model.layers[0].neurons[0].w[0].data = float("nan")
    with pytest.raises(ValueError, match=r"'L1\.N1\.w1' = nan"):
        model.save(tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def test_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: Any) -> None:
    path = tmp_path / "m.json"
    MLP(2, [1], seed=0).save(path)
    before = path.read_bytes()

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        MLP(2, [1], seed=1).save(path)
    assert path.read_bytes() == before
    assert [f.name for f in tmp_path.iterdir()] == ["m.json"]


def _good(tmp_path: Path) -> dict[str, Any]:
    path = MLP(2, [2, 1], seed=3).save(tmp_path / "good.json")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _edit(data: dict[str, Any], how: str) -> str:
    """Return file text broken in the way ``how`` names."""
    text = json.dumps(data)
    if how == "truncated":
        return text[: len(text) // 2]
    if how == "corrupted":
        return text.replace('"parameters"', '"parameters" 7', 1)
    if how == "empty":
        return ""
    if how == "nan":
        return text.replace(str(data["parameters"][0]["value"]), "NaN", 1)
    broken = json.loads(text)
    if how == "wrong version":
        broken["version"] = 99
    elif how == "float version":
        broken["version"] = 1.0  # == 1 in Python, but not the integer the format writes
    elif how == "wrong format":
        broken["format"] = "something.else"
    elif how == "wrong shape":
        broken["architecture"]["nouts"] = [3, 1]
    elif how == "missing parameter":
        broken["parameters"].pop()
    elif how == "wrong label":
        broken["parameters"][1]["label"] = "L9.N9.w9"
    elif how == "string weight":
        broken["parameters"][0]["value"] = "0.5"
    elif how == "bad activation":
        broken["activations"][0] = "softmax"
    elif how == "not an object":
        broken = [broken]
    return json.dumps(broken)


BROKEN = {
    "truncated": "truncated",
    "corrupted": "corrupted",
    "empty": "empty",
    "nan": "NaN",
    "wrong version": "version 99 is not supported",
    "float version": "version 1.0 is not supported",
    "wrong format": "'something.else', expected 'autograd_mlp.MLP'",
    "wrong shape": "wrong shape",
    "missing parameter": "wrong shape",
    "wrong label": "should be 'L1.N1.w2', got 'L9.N9.w9'",
    "string weight": "'0.5', not a number",
    "bad activation": "'softmax'",
    "not an object": "expected a JSON object",
}


@pytest.mark.parametrize("how", sorted(BROKEN))
def test_bad_file_raises_value_error_and_changes_nothing(tmp_path: Path, how: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(_edit(_good(tmp_path), how), encoding="utf-8")
    with pytest.raises(ValueError, match=re.escape(BROKEN[how])):
        load(path, MLP)
    model = MLP(2, [2, 1], seed=4)
    before = weights(model)
    with pytest.raises(ValueError, match=re.escape(BROKEN[how])):
        load_state(model, path)
    assert weights(model) == before


def test_load_state_refuses_a_different_architecture(tmp_path: Path) -> None:
    path = MLP(2, [3, 1], seed=0).save(tmp_path / "m.json")
    model = MLP(2, [2, 1], seed=1)
    before = weights(model)
    with pytest.raises(ValueError, match=r"2 -> \[3, 1\] network, the model is 2 -> \[2, 1\]"):
        model.load_state(path)
    other = MLP(2, [3, 1], activation="tanh", seed=1)
    with pytest.raises(ValueError, match="activations"):
        other.load_state(path)
    assert weights(model) == before


def test_binary_garbage_is_a_value_error(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(b"\x80\x81\xfe\xff")
    with pytest.raises(ValueError, match="not UTF-8"):
        load(path, MLP)


def _file_with(tmp_path: Path, nin: Any, nouts: Any, n_params: int) -> Path:
    """A well-formed file whose architecture claims nin -> nouts but which holds n_params."""
    params = [{"label": f"L1.N1.w{i + 1}", "value": 0.5} for i in range(n_params)]
    data = {"format": FORMAT, "version": VERSION, "architecture": {"nin": nin, "nouts": nouts},
            "activations": ["linear"] * len(nouts), "parameters": params}  # fmt: skip
    path = tmp_path / "claims.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.fixture
def no_label_lists(monkeypatch: Any) -> None:
    """Fail at once if the loader starts listing the labels of a network the file cannot hold.

    Listing them is the bug these tests are about: for the sizes below it takes hours or all
    memory, so the tests check that it never starts instead of timing it.
    """
    import autograd_mlp.nn.io as io

    def no_labels(nin: int, nouts: list[int]) -> list[str]:
        raise AssertionError(f"built the labels of a {nin} -> {nouts} network")

    monkeypatch.setattr(io, "_expected_labels", no_labels)


@pytest.mark.usefixtures("no_label_lists")
def test_a_huge_architecture_is_refused_by_counting_not_by_building_labels(
    tmp_path: Path,
) -> None:
    # 100000 -> [100000] has (100000 + 1) * 100000 parameters; the file holds 3. The count is
    # checked with arithmetic first, so the work is O(file size).
    path = _file_with(tmp_path, 100_000, [100_000], 3)
    message = "architecture 100000 -> [100000] has 10000100000 parameters, the file lists 3"
    with pytest.raises(ValueError, match=re.escape(message)):
        load(path, MLP)
    model = MLP(2, [1], seed=0)
    before = weights(model)
    with pytest.raises(ValueError, match="wrong shape"):
        load_state(model, path)
    assert weights(model) == before


@pytest.mark.usefixtures("no_label_lists")
@pytest.mark.parametrize(
    ("nin", "nouts", "message"),
    [
        (10**7, [1], "architecture.nin is 10000000, more than the limit of 1000000"),
        (2, [3, 10**12], "architecture.nouts[1] is 1000000000000, more than the limit of"),
    ],
)
def test_layer_sizes_have_an_upper_bound(
    tmp_path: Path, nin: int, nouts: list[int], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        load(_file_with(tmp_path, nin, nouts, 3), MLP)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002], ids=["022", "077", "002"])
def test_saved_file_has_the_permissions_of_a_plain_open(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        path = MLP(2, [1], seed=0).save(tmp_path / "m.json")
        with open(tmp_path / "plain.txt", "w", encoding="utf-8") as f:
            f.write("x")
    finally:
        os.umask(old)
    assert _mode(path) == 0o666 & ~umask == _mode(tmp_path / "plain.txt")


def test_overwriting_keeps_the_existing_files_permissions(tmp_path: Path) -> None:
    path = MLP(2, [1], seed=0).save(tmp_path / "m.json")
    os.chmod(path, 0o640)  # as open(path, "w") would, an overwrite keeps the file's mode
    MLP(2, [1], seed=1).save(path)
    assert _mode(path) == 0o640
    assert [f.name for f in tmp_path.iterdir()] == ["m.json"]


def test_a_relabelled_parameter_still_saves_a_loadable_file(tmp_path: Path) -> None:
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[0].w[0].label = "w11"  # e.g. to match a textbook figure
    again = load(model.save(tmp_path / "m.json"), MLP)  # the file's labels say where a value goes
    assert weights(again) == weights(model)
    assert again.parameters()[0].label == "L1.N1.w1"


def test_a_layer_with_mixed_activations_is_refused_not_saved_wrongly(tmp_path: Path) -> None:
    # The format has one activation per layer: writing 'relu' for both neurons would load a
    # model that computes something else.
    model = MLP(2, [2, 1], seed=0)
    model.layers[0].neurons[1].activation = "tanh"
    with pytest.raises(ValueError, match=r"layer L1 mixes activations: 'relu' \(L1\.N1\), "):
        model.save(tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------------------------------------
# Hostile paths and files: regular files only, a size cap, no duplicate keys, big ints, bounded
# messages (reliability review D4, D11, D14)
# ------------------------------------------------------------------------------------------------


def _load_in_thread(path: Path) -> BaseException | None:
    """What load raised, or None; the test fails instead of hanging if load blocks."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            load(path, MLP)
            outcome.append(None)
        except BaseException as exc:  # handed to the test
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive(), f"load({path}) blocked"
    return outcome[0]


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "m.json"
    os.mkfifo(fifo)  # opening it for reading would wait for a writer for ever
    error = _load_in_thread(fifo)
    assert isinstance(error, ValueError)
    assert "it is a FIFO (named pipe), not a regular file" in str(error)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_an_endless_device_is_refused_before_reading(device: str) -> None:
    model = MLP(2, [1], seed=0)
    before = weights(model)
    with pytest.raises(ValueError, match="it is a character device, not a regular file"):
        load(Path(device), MLP)
    with pytest.raises(ValueError, match="character device"):
        load_state(model, device)
    assert weights(model) == before


def test_a_file_above_the_size_cap_is_refused_unread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "big.json"
    with path.open("wb") as f:  # sparse: MAX_FILE_BYTES + 1 bytes that take no disk space
        f.truncate(io.MAX_FILE_BYTES + 1)
    monkeypatch.setattr(io.os, "read", _no_read)
    with pytest.raises(ValueError, match=f"more than the limit of {io.MAX_FILE_BYTES:,}"):
        load(path, MLP)


def _no_read(fd: int, n: int) -> bytes:
    raise AssertionError("read a file that its size already refuses")


def test_a_file_that_grows_past_the_cap_while_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = MLP(2, [1], seed=0).save(tmp_path / "m.json")
    monkeypatch.setattr(io, "MAX_FILE_BYTES", 50)  # the file's size was checked first...
    real_fstat = os.fstat
    monkeypatch.setattr(io.os, "fstat", lambda fd: _smaller(real_fstat(fd)))  # ...as small
    with pytest.raises(ValueError, match="more than 50 bytes"):
        load(path, MLP)


def _smaller(info: os.stat_result) -> os.stat_result:
    fields = list(info)
    fields[6] = 10  # st_size
    return os.stat_result(fields)


def test_save_refuses_a_file_that_load_would_refuse_as_too_big(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(io, "MAX_FILE_BYTES", 100)
    with pytest.raises(ValueError, match=r"more than load accepts \(MAX_FILE_BYTES = 100\)"):
        MLP(2, [1], seed=0).save(tmp_path / "m.json")
    assert list(tmp_path.iterdir()) == []


def test_a_401_digit_integer_weight_is_a_value_error(tmp_path: Path) -> None:
    data = _good(tmp_path)
    data["parameters"][0]["value"] = 10**400
    path = tmp_path / "big-int.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match=r"'L1\.N1\.w1' is an int of 401 digits, too large"):
        load(path, MLP)
    model = MLP(2, [2, 1], seed=4)
    before = weights(model)
    with pytest.raises(ValueError, match="too large for a float"):
        load_state(model, path)
    assert weights(model) == before


@pytest.mark.parametrize(
    ("original", "duplicate"),
    [
        ('"version": 1', '"version": 1, "version": 1'),
        ('"label": "L1.N1.b"', '"label": "L1.N1.b", "label": "L1.N1.b"'),
    ],
)
def test_a_key_given_twice_is_refused(tmp_path: Path, original: str, duplicate: str) -> None:
    text = json.dumps(_good(tmp_path))
    assert original in text
    path = tmp_path / "dup.json"
    path.write_text(text.replace(original, duplicate, 1), encoding="utf-8")
    key = original.split(":")[0]
    with pytest.raises(ValueError, match=f"the key '{key.strip(chr(34))}' appears twice"):
        load(path, MLP)
    model = MLP(2, [2, 1], seed=4)
    before = weights(model)
    with pytest.raises(ValueError, match="appears twice"):
        load_state(model, path)
    assert weights(model) == before


@pytest.mark.parametrize("where", ["format", "label", "activation", "version", "nouts", "value"])
def test_a_megabyte_of_text_in_the_file_gives_a_short_message(tmp_path: Path, where: str) -> None:
    data = _good(tmp_path)
    huge = "A" * 1_000_000
    if where == "format":
        data["format"] = huge
    elif where == "label":
        data["parameters"][1]["label"] = huge
    elif where == "activation":
        data["activations"][0] = huge
    elif where == "version":
        data["version"] = [huge]
    elif where == "nouts":
        data["architecture"]["nouts"] = [0] * 100_000
    else:
        data["parameters"][0]["value"] = {"x": huge}
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    for call in (lambda: load(path, MLP), lambda: load_state(MLP(2, [2, 1]), path)):
        with pytest.raises(ValueError) as info:
            call()
        assert len(str(info.value)) < len(str(path)) + 300, str(info.value)[:400]
        assert "AAAA" in str(info.value) or where == "nouts"  # it still quotes the start
