"""Model files: exact round trips, atomic writes that never spoil an old file, strict loading."""

import json
import os

import numpy as np
import pytest

from softmax_tui.datasets import Pipeline
from softmax_tui.tui import modelfile
from softmax_tui.tui.errors import UserError
from softmax_tui.tui.modelfile import SavedModel, check_writable, load_model, save_model, write_json_atomically


def a_model(W=None) -> SavedModel:
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 2)) * [3.0, 0.1] + [1e-3, 7.0]
    pipeline = Pipeline.fit(X, ("u", "v"), ("x1", "x1*x2", "sin(x2)"), standardize=True)
    W = rng.normal(size=(4, 3)) / 3 if W is None else W
    return SavedModel(W, rng.normal(size=4), ("a", "b", "c", "d"), pipeline.feature_names, pipeline,
                      {"optimizer": "adam", "lr": 0.1})


def test_round_trip_is_exact(tmp_path):
    path = str(tmp_path / "m.json")
    model = a_model()
    save_model(path, model)
    loaded = load_model(path)
    assert np.array_equal(loaded.W, model.W) and np.array_equal(loaded.b, model.b)
    assert loaded.classes == model.classes and loaded.features == ("u", "u*v", "sin(v)")
    assert np.array_equal(loaded.pipeline.mean, model.pipeline.mean)
    assert np.array_equal(loaded.pipeline.scale, model.pipeline.scale)
    assert loaded.pipeline.features == ("x1", "x1*x2", "sin(x2)")
    assert loaded.config == {"optimizer": "adam", "lr": 0.1}
    X = np.random.default_rng(1).normal(size=(5, 2))
    assert np.array_equal(loaded.pipeline.transform(X), model.pipeline.transform(X))


def test_new_file_gets_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        save_model(str(tmp_path / "m.json"), a_model())
    finally:
        os.umask(old)
    assert (tmp_path / "m.json").stat().st_mode & 0o777 == 0o644


def test_a_failing_encode_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "m.json"
    path.write_text("previous model")
    with pytest.raises(ValueError):  # strict JSON: NaN is never written
        save_model(str(path), a_model(W=np.full((4, 3), np.nan)))
    assert path.read_text() == "previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_a_failing_rename_is_a_user_error_and_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text("previous model")

    def refuse(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(modelfile.os, "replace", refuse)
    with pytest.raises(UserError, match=r"m\.json: could not be written \(No space left on device\); "
                                        r"any previous file is unchanged"):
        write_json_atomically(str(path), {"a": 1})
    assert path.read_text() == "previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_ctrl_c_while_writing_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    path.write_text("previous model")

    def interrupt(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(modelfile.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_json_atomically(str(path), {"a": 1})
    assert path.read_text() == "previous model"
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]


def test_check_writable(tmp_path):
    check_writable(str(tmp_path / "new.json"))
    (tmp_path / "old.json").write_text("kept")
    check_writable(str(tmp_path / "old.json"))
    assert (tmp_path / "old.json").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.json"]
    with pytest.raises(UserError, match="is a directory"):
        check_writable(str(tmp_path))
    with pytest.raises(UserError, match=r"cannot write there \(No such file or directory\)"):
        check_writable(str(tmp_path / "missing" / "m.json"))


def saved_dict(tmp_path) -> dict:
    save_model(str(tmp_path / "m.json"), a_model())
    return json.loads((tmp_path / "m.json").read_text())


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(W=d["W"][:3]), r"W must be 4x3 and b must have 4 finite entries"),
    (lambda d: d.update(b=d["b"] + [0.0]), r"W must be 4x3 and b must have 4 finite entries"),
    (lambda d: d["W"][0].__setitem__(0, float("inf")), r"W must be 4x3 and b must have 4 finite entries"),
    (lambda d: d["W"][0].__setitem__(0, "x"), r"malformed model file \(could not convert"),
    (lambda d: d.pop("classes"), r"malformed model file \(no 'classes' entry\)"),
    (lambda d: d.update(features=["p", "q", "r"]), r"the preprocessing's features u, u\*v, sin\(v\) are not the model's p, q, r"),
    (lambda d: d["preprocessing"]["scale"].__setitem__(1, 0.0), r"malformed model file \(invalid pipeline"),
    (lambda d: d["preprocessing"].update(mean=[0.0]), r"malformed model file \(invalid pipeline description"),
    (lambda d: d.update(format="something-else"), r"not a softmax-tui model file"),
])
def test_malformed_files_are_one_line_user_errors(tmp_path, change, message):
    data = saved_dict(tmp_path)
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))  # Python's json writes inf as Infinity, which it reads back
    with pytest.raises(UserError, match=message) as caught:
        load_model(str(path))
    assert str(caught.value).startswith(f"{path}: ") and "\n" not in str(caught.value)


def test_unreadable_files(tmp_path):
    (tmp_path / "latin.json").write_bytes(b'{"format": "\xe9"}')
    with pytest.raises(UserError, match=r"latin\.json: not a model file \(not UTF-8 text\)"):
        load_model(str(tmp_path / "latin.json"))
    with pytest.raises(UserError, match="is a directory, not a model file"):
        load_model(str(tmp_path))


def test_the_model_file_records_l1_and_the_hyperparameters_and_older_files_still_load(tmp_path, capsys):
    from softmax_tui.tui.cli import main

    path = tmp_path / "m.json"
    assert main(["--headless", "--dataset", "iris", "--epochs", "40", "--l1", "0.05", "--optimizer", "adam",
                 "--beta1", "0.8", "--eps", "1e-6", "--save-model", str(path)]) == 0
    data = json.loads(path.read_text())
    config = data["config"]
    assert (config["l1"], config["momentum"], config["beta1"], config["beta2"], config["eps"]) == (
        0.05, 0.9, 0.8, 0.999, 1e-6)
    assert 0.0 in sum(data["W"], [])  # exact zeros are written as zeros
    for key in ("l1", "momentum", "beta1", "beta2", "eps"):  # as a file from before these settings
        del config[key]
    path.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["--headless", "--dataset", "iris", "--epochs", "1", "--load-model", str(path)]) == 0
    done = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert done["event"] == "done" and done["epoch"] == 1
