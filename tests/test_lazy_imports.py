"""Start-up (issue 17): a plain run imports only what it uses, the packages' names that are
imported on first use still import as ever, and the console script loads its modules without
garbage collection."""

import importlib.util
import subprocess
import sys

import pytest

import softmax_tui.datasets as datasets
import softmax_tui.engine as engine

#: Modules ``softmax-tui --headless`` on a fixed set (the default, rgb20) needs only for
#: something it was not asked for: the dashboard's explanations and map geometry, Newton's
#: curvature, races, rewinding (the timeline's checkpoints), the generated sets, data files
#: (their labels, decimal, the CSV and Arrow readers), the Python API's arrays, --history
#: (csv), model files, and argparse's help formatter (shutil).
LAZY = {
    "softmax_tui.engine.explain", "softmax_tui.engine.geometry", "softmax_tui.engine.curvature",
    "softmax_tui.engine.race", "softmax_tui.tui.compare", "softmax_tui.tui.race", "softmax_tui.engine.timeline",
    "softmax_tui.datasets.generators", "softmax_tui.datasets.labels", "softmax_tui.datasets.csv_loader",
    "softmax_tui.datasets.columnar", "softmax_tui.datasets.arrays", "decimal", "pyarrow",
    "softmax_tui.tui.history", "csv", "softmax_tui.tui.modelfile", "shutil",
}


def imported_by(args: list[str]) -> set[str]:
    """The modules loaded in a fresh interpreter by the command line ``args`` (run to its end)."""
    return loaded_after("import contextlib, io\n"
                        "from softmax_tui.tui.cli import main\n"
                        "with contextlib.redirect_stdout(io.StringIO()):\n"
                        f"    status = main({args!r})\n"
                        "assert status == 0, status")


def loaded_after(code: str) -> set[str]:
    """The modules loaded in a fresh interpreter once ``code`` has run."""
    run = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint(' '.join(sys.modules))"],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    return set(run.stdout.split())


def test_every_lazy_name_is_a_module():
    assert all(importlib.util.find_spec(name) is not None for name in LAZY)


def test_a_plain_headless_run_leaves_the_lazy_modules_unimported():
    assert sorted(LAZY & imported_by(["--headless", "--epochs", "1"])) == []


def test_the_features_that_need_them_import_them(tmp_path):
    used = imported_by(["--headless", "--epochs", "1", "--dataset", "iris", "--optimizer", "newton",
                        "--history", str(tmp_path / "h.csv"), "--save-model", str(tmp_path / "m.json")])
    assert {"softmax_tui.engine.curvature", "softmax_tui.datasets.labels", "softmax_tui.datasets.csv_loader",
            "decimal", "softmax_tui.tui.history", "csv", "softmax_tui.tui.modelfile"} <= used
    assert {"softmax_tui.tui.compare", "softmax_tui.engine.race"} <= imported_by(
        ["--headless", "--epochs", "1", "--compare", "gd,adam"])
    assert "softmax_tui.datasets.generators" in imported_by(["--headless", "--epochs", "1", "--dataset", "blobs"])
    assert "softmax_tui.datasets.generators" in imported_by(["--list-datasets"])
    assert "softmax_tui.engine.timeline" in loaded_after(  # the dashboard's session: rewound with its checkpoints
        "from softmax_tui.tui.options import parse_options\n"
        "from softmax_tui.tui.session import build_session\n"
        "build_session(parse_options([]))")


def test_the_console_script_loads_its_modules_without_collecting_and_leaves_them_to_no_collection():
    """No collection while the command line's modules load (the cli module without its
    ``main`` yet), the collector on again after, and what they made frozen (not among the
    objects it walks)."""
    code = ("import contextlib, gc, io, sys\n"
            "during = []\n"
            "def noted(phase, info):\n"
            "    cli = sys.modules.get('softmax_tui.tui.cli')\n"
            "    if phase == 'start' and cli is not None and not hasattr(cli, 'main'):\n"
            "        during.append(info['generation'])\n"
            "gc.callbacks.append(noted)\n"
            "sys.argv = ['softmax-tui', '--headless', '--epochs', '1']\n"
            "from softmax_tui.tui import entry\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    status = entry.main()\n"
            "namespace = vars(sys.modules['softmax_tui.tui.cli'])\n"
            "print(status, during, gc.isenabled(), any(o is namespace for o in gc.get_objects()))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["0", "[]", "True", "False"]


def test_every_public_engine_name_imports():
    for name in engine.__all__:
        assert getattr(engine, name) is getattr(importlib.import_module(
            engine._EXPORTS.get(name, "softmax_tui.engine.softmax")), name)
    assert set(engine.__all__) <= set(dir(engine))


def test_engine_softmax_is_the_function_after_its_module_is_imported():
    importlib.import_module("softmax_tui.engine.softmax")
    from softmax_tui.engine import softmax

    assert softmax([[0.0, 0.0]]).tolist() == [[0.5, 0.5]]


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="'softmax_tui.engine' has no attribute 'Softmax'"):
        getattr(engine, "Softmax")
    with pytest.raises(ImportError, match="cannot import name 'trainer_state'"):
        exec("from softmax_tui.engine import trainer_state")
    with pytest.raises(AttributeError, match="'softmax_tui.datasets' has no attribute 'load_arrays'"):
        getattr(datasets, "load_arrays")


def test_the_generated_sets_import_from_datasets():
    from softmax_tui.datasets import GeneratedSet, generated_set
    from softmax_tui.datasets.generators import GeneratedSet as defined

    assert GeneratedSet is defined
    assert isinstance(generated_set("spiral"), GeneratedSet) and generated_set("rgb20") is None


def test_the_arrays_of_the_python_api_import_from_datasets():
    from softmax_tui.datasets import from_arrays
    from softmax_tui.datasets.arrays import from_arrays as defined

    assert from_arrays is defined
