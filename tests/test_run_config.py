"""RunConfig: one description of a run, the command line's flags built from it, and which of
its fields can change while the run goes on."""

import argparse
import json
import math
from dataclasses import fields, replace
from typing import get_args, get_type_hints

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from softmax_tui.engine import evaluate
from softmax_tui.tui.config import LIVE, RESTART, RunConfig
from softmax_tui.tui.errors import UserError
from softmax_tui.tui.options import Options, build_parser, check_options, parse_options
from softmax_tui.tui.runner import Runner
from softmax_tui.tui.session import build_session

FIELDS = {f.name: f for f in fields(RunConfig)}
TYPES = get_type_hints(RunConfig)


def base_type(name: str) -> type:
    """``int`` for ``int | None``, and so on."""
    kind = TYPES[name]
    return next((t for t in get_args(kind) if t is not type(None)), kind)


def parses(parse, text: str) -> bool:
    try:
        parse(text)
    except argparse.ArgumentTypeError:
        return False
    return True


#: Text a user might type for a field of each type; a field's converter keeps what it accepts.
TEXTS = {
    int: st.one_of(st.integers(-3, 1000), st.integers(-(10**9), 10**9)).map(str),
    float: st.one_of(st.floats(-0.5, 1.5), st.floats(allow_nan=False, allow_infinity=False)).map(repr),
    str: st.one_of(st.text(min_size=1), st.sampled_from([",", ";", "|", "tab", "\\t", "\t", "-x", "a=b"])),
}


def values(name: str) -> st.SearchStrategy:
    """The values field ``name`` can take from the command line, from its metadata."""
    f = FIELDS[name]
    if isinstance(f.default, bool):
        return st.booleans()
    if f.metadata["choices"]:
        return st.sampled_from(f.metadata["choices"])
    parse = f.metadata["parse"]
    return TEXTS[base_type(name)].filter(lambda text: parses(parse, text)).map(parse)


configs = st.builds(RunConfig, **{name: st.one_of(st.just(f.default), values(name)) for name, f in FIELDS.items()})


def accepted(config: RunConfig) -> bool:
    """Whether the command line accepts ``config`` (the rules that span several flags)."""
    try:
        check_options(Options(config))
    except UserError:
        return False
    return True


def another_value(name: str, *avoid):
    """A value of field ``name`` the command line accepts, none of ``avoid``."""
    f = FIELDS[name]
    if isinstance(f.default, bool):
        return next(value for value in (True, False) if value not in avoid)
    if f.metadata["choices"]:
        return next(choice for choice in f.metadata["choices"] if choice not in avoid)
    parse = f.metadata["parse"]
    candidates = (parse(text) for text in ("2", "0.5", ",", "data.csv") if parses(parse, text))
    return next(value for value in candidates if value not in avoid)


# -- the description itself ------------------------------------------------------------------

@settings(max_examples=300, deadline=None)
@given(configs)
def test_config_to_argv_to_config_is_the_identity(config):
    assume(accepted(config))
    assert parse_options(config.to_argv()).run == config


#: A run every field can change from alone (--batch-size needs such an optimizer, --patience a split).
BASE = RunConfig(optimizer="minibatch", val_fraction=0.25)


@pytest.mark.parametrize("name", FIELDS)
def test_each_field_alone_round_trips_as_its_own_flag(name):
    config = replace(BASE, **{name: another_value(name, getattr(BASE, name), FIELDS[name].default)})
    argv = config.to_argv()
    assert [arg for arg in argv if arg not in BASE.to_argv()][0].split("=")[0] == FIELDS[name].metadata["flag"]
    assert parse_options(argv).run == config


def test_to_argv_gives_the_flags_that_differ_from_the_defaults():
    assert RunConfig().to_argv() == []
    config = RunConfig(dataset="iris", header=False, standardize=False, optimizer="adam", lr=0.05, batch_size=8)
    assert config.to_argv() == ["--dataset=iris", "--no-header", "--no-standardize", "--optimizer=adam",
                                "--lr=0.05", "--batch-size=8"]
    assert RunConfig(target="-y").to_argv() == ["--target=-y"]  # not read as a flag


def test_every_field_says_how_it_applies_and_has_help():
    for f in fields(RunConfig):
        assert f.metadata["apply"] in (LIVE, RESTART), f.name
        assert f.metadata["help"].strip() and f.metadata["flag"].startswith("--"), f.name
    assert [f.name for f in fields(RunConfig) if f.metadata["apply"] == LIVE] == [
        "optimizer", "lr", "batch_size", "l2", "l1", "momentum", "beta1", "beta2", "eps"]


def test_flags_and_fields_cannot_drift():
    """Every RunConfig field is a flag of the command line with its name, and every flag is a
    RunConfig field or one of the invocation's own (Options)."""
    actions = {action.dest: action for action in build_parser()._actions}
    for name, f in FIELDS.items():
        assert actions[name].option_strings == [f.metadata["flag"]]
        assert actions[name].default == f.default
    invocation = {f.name for f in fields(Options)} - {"run"}
    assert set(actions) == set(FIELDS) | invocation | {"help", "version"}


def test_options_holds_the_run_once():
    options = parse_options(["--dataset", "iris", "--lr", "0.5", "--headless", "--every", "3"])
    assert options.run == RunConfig(dataset="iris", lr=0.5)
    assert not {f.name for f in fields(Options)} & set(FIELDS)
    assert (options.headless, options.every) == (True, 3)


def test_for_dataset_drops_what_described_the_old_data():
    old = RunConfig(dataset="runs/a.csv", target="y", delimiter=";", header=False, drop_missing=True,
                    categorical_target=True, samples=50, classes=4, noise=0.2, features="x1,x1^2",
                    standardize=False, val_fraction=0.2, optimizer="adam", lr=0.02, batch_size=16, l2=0.1,
                    epochs=9, patience=2, init="zeros", seed=7, load_model="m.json")
    assert old.for_dataset("iris") == RunConfig(
        dataset="iris", standardize=False, val_fraction=0.2, optimizer="adam", lr=0.02, batch_size=16, l2=0.1,
        epochs=9, patience=2, init="zeros", seed=7)


def test_defaults_the_run_resolves():
    assert RunConfig(optimizer="sgd").learning_rate == 0.01 and RunConfig(lr=0.2).learning_rate == 0.2
    assert RunConfig().max_epochs(headless=True) == 100 and RunConfig().max_epochs(headless=False) is None
    assert RunConfig(epochs=5).max_epochs(headless=True) == 5
    batches = [RunConfig(optimizer=name).make_optimizer().batch_size for name in ("gd", "sgd", "minibatch", "adam")]
    assert batches == [None, 1, 32, None]
    assert RunConfig(optimizer="adam", batch_size=8).make_optimizer().batch_size == 8


# -- live and restart, as the engine allows ----------------------------------------------------

def runner_for(*argv):
    session = build_session(parse_options(["--paused", *argv]))
    return Runner(session, speed=math.inf)


def test_a_live_learning_rate_takes_effect_at_the_next_step():
    slower, same = runner_for("--dataset", "iris"), runner_for("--dataset", "iris")
    for runner in (slower, same):
        runner.step()  # at gd's 1.0
    W1 = slower.snapshot.W.copy()
    np.testing.assert_array_equal(W1, same.snapshot.W)
    slower.apply(replace(slower.config, lr=0.25))
    assert slower.lr == 0.25 and slower.session.config.lr == 0.25  # idle: applied at once
    slower.step()
    same.step()
    # gd from the same point: the same gradient, a quarter of the step
    np.testing.assert_allclose(W1 - slower.snapshot.W, 0.25 * (W1 - same.snapshot.W), rtol=1e-12, atol=1e-15)
    assert (slower.snapshot.lr, slower.snapshot.step) == (0.25, 2)


def test_a_live_batch_size_takes_effect_at_the_next_step_from_the_same_parameters():
    runner = runner_for("--dataset", "iris", "--optimizer", "minibatch", "--batch-size", "16")
    runner.step()
    runner.step()
    assert runner.trainer.steps_per_epoch == 10  # 150 rows
    W = runner.snapshot.W.copy()
    runner.apply(replace(runner.config, batch_size=50))
    assert runner.trainer.steps_per_epoch == 3 and runner.switches == [(2, "minibatch")]
    np.testing.assert_array_equal(runner.trainer.model.W, W)  # no restart: the parameters go on
    runner.step()
    assert runner.snapshot.step == 3 and runner.session.saved_model().config["batch_size"] == 50


@pytest.mark.parametrize("name", [name for name, f in FIELDS.items() if f.metadata["apply"] == RESTART])
def test_a_restart_field_cannot_change_mid_run(name):
    runner = runner_for("--dataset", "iris")
    runner.step()
    before = runner.config
    with pytest.raises(ValueError, match=f"^{name} cannot change while the run goes on"):
        runner.apply(replace(before, lr=0.5, **{name: another_value(name, getattr(before, name))}))
    assert runner.config == runner.session.config == before and runner.trainer.lr == before.lr  # nothing changed


@pytest.mark.parametrize("penalty", ["l2", "l1"])
def test_a_live_penalty_is_the_objective_from_the_next_step(penalty):
    runner = runner_for("--dataset", "iris", "--val-fraction", "0.2")
    trainer = runner.trainer
    runner.step()
    W1, b1 = trainer.model.W.copy(), trainer.model.b.copy()
    runner.apply(replace(runner.config, **{penalty: 0.05}))
    assert runner.switches == [(1, f"l1 {0.05 if penalty == 'l1' else 0:g}, l2 {0.05 if penalty == 'l2' else 0:g}")]
    weights = {"l2": 0.0, "l1": 0.0, penalty: 0.05}
    new = evaluate(W1, b1, trainer.X, trainer.y, weights["l2"], weights["l1"])
    old = evaluate(W1, b1, trainer.X, trainer.y)
    snap = runner.snapshot  # shown at once, at the same step, with the new objective's numbers
    assert (snap.step, snap.loss, snap.grad_norm) == (1, new.loss, new.grad_norm) and new.loss > old.loss
    assert snap.val_loss == evaluate(W1, b1, trainer.X_val, trainer.y_val, weights["l2"], weights["l1"]).loss
    assert getattr(trainer, penalty) == 0.05 and runner.session.config == runner.config
    runner.step()  # gd from the same point along the new objective's gradient (and prox)
    expected_W = W1 - trainer.lr * new.dW
    if penalty == "l1":
        expected_W = np.sign(expected_W) * np.maximum(np.abs(expected_W) - trainer.lr * 0.05, 0)
    np.testing.assert_allclose(trainer.model.W, expected_W, rtol=1e-12, atol=1e-15)
    assert runner.snapshot.step == 2 and runner.session.saved_model().config[penalty] == 0.05


# -- the model file ----------------------------------------------------------------------------

#: The model file's "config" keys, in their order: the command line's (as before RunConfig, with the
#: fields added since: the data seed after noise, l1 and the optimizer's hyperparameters after l2, steps after epochs),
#: then "trained".
FILE_KEYS = ("dataset", "target", "delimiter", "header", "drop_missing", "categorical_target", "samples",
             "classes", "noise", "data_seed", "features", "standardize", "val_fraction", "optimizer", "lr",
             "batch_size", "l2", "l1", "momentum", "beta1", "beta2", "eps", "epochs", "steps", "patience", "init", "seed",
             "load_model", "save_model", "history", "headless",
             "every", "paused", "list_datasets")


def record_as_before(session) -> dict:
    """The model file's "config" as it was written before RunConfig: the command line's options
    with the trainer's optimizer, batch, rate, penalty and epoch limit."""
    options, trainer, snap = session.options, session.trainer, session.trainer.snapshot
    flags = {key: getattr(options.run, key) if key in FIELDS else getattr(options, key) for key in FILE_KEYS}
    return {**flags, "optimizer": trainer.optimizer.name, "batch_size": trainer.optimizer.batch_size,
            "lr": trainer.lr, "l2": trainer.l2, "l1": trainer.l1, "epochs": trainer.max_epochs,
            "trained": {"step": snap.step, "epoch": snap.epoch, "state": snap.state.value}}


@pytest.mark.parametrize("argv, keys", [
    (["--headless", "--dataset", "iris"], ""),
    (["--paused", "--optimizer", "sgd"], ""),
    (["--paused", "--optimizer", "minibatch"], "o+"),
    (["--paused", "--dataset", "iris", "--optimizer", "momentum", "--batch-size", "8", "--lr", "0.05",
      "--l2", "0.01", "--epochs", "7", "--val-fraction", "0.2", "--patience", "3", "--seed", "4",
      "--no-standardize", "--history", "h.csv", "--save-model", "m.json"], "-oo"),
])
def test_the_model_file_records_the_run_as_it_did_before(argv, keys):
    runner = runner_for(*argv[1:]) if argv[0] == "--paused" else None
    session = runner.session if runner else build_session(parse_options(argv))
    for key in keys:
        {"o": runner.next_optimizer, "+": lambda: runner.change_lr(True), "-": lambda: runner.change_lr(False)}[key]()
    session.trainer.advance(3)
    record = session.saved_model().config
    assert json.dumps(record) == json.dumps(record_as_before(session))  # keys, order, values and types


def test_a_model_saved_after_live_changes_records_them():
    runner = runner_for("--dataset", "iris", "--optimizer", "minibatch", "--batch-size", "16")
    runner.change_lr(True)  # 0.3 -> 1
    runner.next_optimizer()  # momentum, at its 0.3, still in batches of 16
    runner.change_lr(False)  # 0.1
    runner.step()
    config = runner.session.saved_model().config
    assert (config["optimizer"], config["lr"], config["batch_size"], config["trained"]["step"]) == (
        "momentum", 0.1, 16, 1)
    assert (runner.trainer.optimizer.name, runner.trainer.optimizer.batch_size, runner.trainer.lr) == (
        "momentum", 16, 0.1)
