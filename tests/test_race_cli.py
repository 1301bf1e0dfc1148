"""``--compare`` on the command line (issue 14): the members' syntax, and the headless race."""

import json

import pytest

from softmax_tui.tui.cli import main
from softmax_tui.tui.compare import parse_members
from softmax_tui.tui.config import RunConfig
from softmax_tui.tui.errors import UserError


def lines(capsys, *args) -> tuple[int, list[dict], str]:
    status = main(["--headless", *args])
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


def without(event: dict, *keys: str) -> dict:
    return {k: v for k, v in event.items() if k not in keys}


@pytest.mark.parametrize("compare,extra", [
    ("gd,momentum,adam", ["--dataset", "iris", "--epochs", "30"]),
    ("minibatch:batch-size=8,minibatch:batch-size=64,sgd", ["--dataset", "iris", "--epochs", "3", "--val-fraction", "0.2"]),
    ("gd:lr=0.3,gd:lr=3,newton,lbfgs", ["--dataset", "rgb20", "--l2", "0.01", "--epochs", "20"]),
    ("sgd,nesterov:momentum=0.5", ["--dataset", "blobs", "--steps", "700", "--every", "97"]),
])
def test_each_run_prints_what_it_prints_alone(capsys, compare, extra):
    """Every member's lines (its progress events, then its done event) are its solo run's,
    with a "run" field (the member as written); the done events come last, one per run."""
    status, events, err = lines(capsys, "--compare", compare, *extra)
    assert status == 0, err
    labels = compare.split(",")
    assert all(e["run"] in labels for e in events)
    assert [e["run"] for e in events if e["event"] == "done"] == labels
    assert all(e["event"] == "done" for e in events[-len(labels):])
    for label in labels:
        name, *settings = label.split(":")
        flags = [f"--{s.replace('=', '=', 1)}" for s in settings]
        solo_status, solo, _ = lines(capsys, "--optimizer", name, *flags, *extra)
        mine = [without(e, "run", "race", "elapsed_seconds") for e in events if e["run"] == label]
        assert mine == [without(e, "elapsed_seconds") for e in solo]
        assert solo_status == 0


def test_done_events_time_the_loss_threshold_and_the_best_accuracy(capsys):
    status, events, _ = lines(capsys, "--compare", "gd,momentum", "--dataset", "iris", "--race-loss", "0.2",
                              "--epochs", "60")
    progress = [e for e in events if e["event"] == "progress"]
    for done in events[-2:]:
        mine = [e for e in progress if e["run"] == done["run"]]
        below = [e["step"] for e in mine if e["loss"] < 0.2]
        best = max(e["train_accuracy"] for e in mine)
        assert done["race"] == {"loss_threshold": 0.2, "loss_step": below[0] if below else None,
                                "best_accuracy": best,
                                "accuracy_step": next(e["step"] for e in mine if e["train_accuracy"] == best)}
    assert events[-1]["race"]["loss_step"] < 60  # momentum gets there within the run


def test_exit_status_is_the_worst_runs(capsys):
    """A run that diverges makes the race's status 3 (after every done event), while the
    others finish their own way."""
    status, events, err = lines(capsys, "--compare", "gd:lr=3,gd", "--l2", "1", "--epochs", "50")
    done = {e["run"]: e for e in events if e["event"] == "done"}
    assert status == 3
    assert (done["gd:lr=3"]["status"], done["gd"]["status"]) == ("diverged", "converged")
    assert done["gd"]["step"] > done["gd:lr=3"]["step"]  # it went on after the other stopped
    assert err.count("\n") == 1 and err.startswith("softmax-tui: run gd:lr=3: training diverged:")


@pytest.mark.parametrize("args,message", [
    (["--compare", "gd"], "--compare takes 2 to 6 runs separated by commas, got 1: 'gd'"),
    (["--compare", "gd,sgd,minibatch,momentum,nesterov,adam,newton"], "--compare takes 2 to 6 runs separated by commas, got 7"),
    (["--compare", "gd,rmsprop"], "--compare run 'rmsprop': unknown optimizer 'rmsprop'"),
    (["--compare", "gd:lr=-1,adam"], "--compare run 'gd:lr=-1': lr must be a finite number > 0, got '-1'"),
    (["--compare", "minibatch:batch-size=0,gd"], "--compare run 'minibatch:batch-size=0': batch-size must be a "
                                                 "positive integer, got '0'"),
    (["--compare", "gd:l2=1,adam"], "--compare run 'gd:l2=1': 'l2=1' is not a setting=value of lr, batch-size"),
    (["--compare", "gd:batch-size=8,adam"], "--compare run 'gd:batch-size=8': --batch-size does not apply"),
    (["--compare", "newton,adam", "--l1", "0.1"], "--compare run 'newton': --optimizer newton needs a smooth"),
    (["--compare", "gd,gd:lr=1"], "--compare runs 'gd' and 'gd:lr=1' are the same run"),
    (["--compare", "gd,adam", "--history", "h.csv"], "--history does not apply to --compare"),
    (["--compare", "gd,adam", "--save-model", "m.json"], "--save-model does not apply to --compare"),
    (["--compare", "gd,adam", "--optimizer", "sgd"], "--optimizer does not apply to --compare"),
    (["--race-loss", "0.2"], "--race-loss applies to --compare only"),
])
@pytest.mark.parametrize("headless", [True, False])
def test_a_bad_race_is_one_line_and_exit_2(capsys, args, message, headless):
    status = main((["--headless"] if headless else []) + args)
    out, err = capsys.readouterr()
    assert status == 2 and out == ""
    assert err.startswith("softmax-tui: error: " + message) and err.count("\n") == 1, err


def test_members_parse_through_the_flags_converters():
    members = parse_members("gd:lr=0.3, adam:lr=1e-2:beta1=0.8:eps=1e-6 ,minibatch:batch-size=8",
                            RunConfig(l2=0.5, seed=4))
    assert [m.label for m in members] == ["gd:lr=0.3", "adam:lr=1e-2:beta1=0.8:eps=1e-6", "minibatch:batch-size=8"]
    assert [(m.config.optimizer, m.config.lr, m.config.batch_size) for m in members] == [
        ("gd", 0.3, None), ("adam", 0.01, None), ("minibatch", None, 8)]
    assert (members[1].config.beta1, members[1].config.eps) == (0.8, 1e-6)
    assert {(m.config.l2, m.config.seed) for m in members} == {(0.5, 4)}  # every other flag is shared
    with pytest.raises(UserError, match="momentum is given twice"):
        parse_members("momentum:momentum=0.5:momentum=0.6,gd", RunConfig())


@pytest.mark.parametrize("spec", ["gd:momentum=0.5,gd", "gd:beta1=0.5,gd:beta2=0.5", "minibatch:batch-size=32,minibatch",
                                  "newton:lr=2,newton", "gd,gd:lr=1", "adam:lr=0.1,adam"])
def test_runs_that_would_train_alike_are_the_same_run(spec):
    """A setting the optimizer does not read (gd's momentum, newton's lr), or one written at
    its default (minibatch's 32, adam's rate 0.1), makes no other run."""
    first, second = spec.split(",")
    with pytest.raises(UserError, match=f"--compare runs '{first}' and '{second}' are the same run"):
        parse_members(spec, RunConfig(dataset="iris"))


@pytest.mark.parametrize("spec", ["gd,momentum", "minibatch:batch-size=8,minibatch", "momentum:momentum=0.5,momentum",
                                  "adam:beta1=0.5,adam", "momentum:batch-size=10,momentum", "gd,gd:lr=3"])
def test_runs_that_train_differently_race(spec):
    assert len(parse_members(spec, RunConfig(dataset="iris"))) == 2
