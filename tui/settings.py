"""The settings panel's form, without Textual: which of :class:`~.config.RunConfig`'s fields
a dataset has, each field's text and value, and a change said in words.

The panel (:mod:`.screens.settings`) shows one row per field, made from the field's
metadata, so a new field appears in the panel as it appears on the command line; the text a
user types goes through the same converters as the command line's (:mod:`.converters`).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import Field, dataclass, fields, replace
from typing import Any

from softmax_tui.datasets import (
    FEATURE_TRANSFORMS,
    GeneratedSet,
    fixed_feature_count,
    generated_set,
    is_table_path,
    list_datasets,
)

from softmax_tui.engine import SECOND_ORDER_OPTIMIZERS, Optimizer

from .config import DEFAULT_LR, LIVE, OPTIMIZER_SETTINGS, RunConfig
from .safe_text import visible

#: Fields the panel does not offer: a saved model to start from is a file the command line names.
NOT_IN_PANEL = ("load_model",)
#: The model's inputs when ``features`` is not given.
DEFAULT_FEATURES = ("x1", "x2")
#: How a file's table is read (``--target`` ... ``--categorical-target``).
TABLE_FIELDS = ("target", "delimiter", "header", "drop_missing", "categorical_target")
#: What a generator makes.
GENERATOR_FIELDS = ("samples", "classes", "noise")


@dataclass(frozen=True)
class DatasetChoice:
    """One dataset the panel offers: its name (a built-in's or a file's path as given), a
    one-line summary, the generator behind it (None: a fixed set or a file) and its number of
    data columns (None: not known before the file is read)."""

    name: str
    summary: str
    generated: GeneratedSet | None
    n_columns: int | None

    @property
    def label(self) -> str:
        """The name as a list shows it: a file's with its control bytes visible."""
        return visible(self.name)

    @property
    def is_file(self) -> bool:
        return is_table_path(self.name)


def dataset_choices(given: Sequence[tuple[str, int | None]] = ()) -> list[DatasetChoice]:
    """The built-in datasets, then the ``given`` data (name, number of data columns if
    known): the file the command line gave, or the arrays given to ``softmax_tui.watch``,
    stays a choice after another dataset replaced it."""
    builtins = [DatasetChoice(name, summary, generated_set(name), None if generated_set(name) else
                              fixed_feature_count(name)) for name, summary in list_datasets()]
    return [*builtins, *(DatasetChoice(name, "the file given on the command line" if is_table_path(name) else
                                       "the data given to watch()", None, columns) for name, columns in given)]


def panel_fields() -> list[Field]:
    """The fields the panel shows, in :class:`RunConfig`'s order."""
    return [f for f in fields(RunConfig) if f.name not in NOT_IN_PANEL]


def applies(name: str, choice: DatasetChoice, optimizer: str) -> bool:
    """Whether field ``name`` means anything for a run of ``optimizer`` on ``choice``: table
    reading for files, generator settings for generated sets (classes where the generator
    takes them), the feature transforms for two data columns, an optimizer's hyperparameters
    (and batch size) for the optimizers that read them, the learning rate for all but newton
    and lbfgs (their line search chooses each step)."""
    if name in OPTIMIZER_SETTINGS:
        return optimizer in OPTIMIZER_SETTINGS[name]
    if name == "lr":
        return optimizer not in SECOND_ORDER_OPTIMIZERS
    if name in TABLE_FIELDS:
        return choice.is_file
    if name in GENERATOR_FIELDS:
        return choice.generated is not None and (name != "classes" or choice.generated.classes_adjustable)
    if name == "features":
        return choice.generated is not None or choice.n_columns == 2
    return True


def default_hint(name: str, config: RunConfig, choice: DatasetChoice) -> str:
    """What an empty entry of field ``name`` means for ``config`` on ``choice`` ("1000" for a
    generated set's samples, "adam's 0.1" for the learning rate), or "" when the field has
    no default worth saying."""
    generated = choice.generated
    if generated is not None and name in GENERATOR_FIELDS:
        return f"{getattr(generated, name):g}"
    if name == "lr":
        return f"{config.optimizer}'s {DEFAULT_LR[config.optimizer]:g}"
    if name == "data_seed":
        return f"the seed, {config.seed}"
    if name == "batch_size":
        batch = Optimizer(config.optimizer).batch_size
        return "the full batch" if batch is None else f"{batch}"
    if name == "target":
        return "the last column"
    if name == "delimiter":
        return "detected from the first lines"
    if name in ("epochs", "steps"):
        return "unlimited"
    if name == "patience":
        return "none (no early stopping)"
    default = next(f.default for f in fields(RunConfig) if f.name == name)
    return "" if default is None else text_of(default)


def text_of(value: Any) -> str:
    """A field's value as the panel's entry shows it ("" for "the default"); a delimiter
    tab as "tab"."""
    if value is None:
        return ""
    if value == "\t":
        return "tab"
    return str(value)


def value_of(field: Field, text: str) -> Any:
    """The value of ``field`` typed as ``text``: "" is its default, anything else goes
    through the command line's converter. A ValueError says what the value must be, in the
    command line's words ("lr: must be a finite number > 0, got 'x'")."""
    text = text.strip()
    if not text:
        return field.default
    try:
        return field.metadata["parse"](text)
    except argparse.ArgumentTypeError as e:
        raise ValueError(f"{label(field)}: {e}") from None


def features_value(chosen: Sequence[str]) -> str | None:
    """The ``features`` field for the transforms ``chosen`` (in the panel's order): None for
    the default x1, x2. A ValueError when none is chosen."""
    ordered = tuple(name for name in FEATURE_TRANSFORMS if name in chosen)
    if not ordered:
        raise ValueError("features: choose at least one")
    return None if ordered == DEFAULT_FEATURES else ",".join(ordered)


def chosen_features(config: RunConfig) -> tuple[str, ...]:
    """The transforms ``config`` feeds the model."""
    return tuple(part.strip() for part in config.features.split(",")) if config.features else DEFAULT_FEATURES


def label(field: Field) -> str:
    """The field's name as the panel writes it: its flag without dashes ("batch-size"), and a
    boolean by what it turns on ("header", not "no-header")."""
    return field.name.replace("_", "-") if isinstance(field.default, bool) else field.metadata["flag"].lstrip("-")


def changes(before: RunConfig, after: RunConfig) -> list[str]:
    """The fields that differ, in order, each as "label old → new" ("lr 0.3 → 1",
    "samples default → 2000"); data such as a path is shown with its control bytes visible."""
    return [f"{label(f)} {_said(getattr(before, f.name))} → {_said(getattr(after, f.name))}"
            for f in before.differences(after)]


def rebase(edited: RunConfig, base: RunConfig, current: RunConfig) -> RunConfig:
    """``current`` with the fields the form changed from ``base`` (the configuration it
    opened on) set as ``edited`` has them: what changed meanwhile outside the form (a key run
    from the command palette while it was open) is kept, not undone."""
    return replace(current, **{f.name: getattr(edited, f.name) for f in base.differences(edited)})


def is_live(field: Field) -> bool:
    """Whether ``field`` can change while the run goes on (else a change starts a new run)."""
    return field.metadata["apply"] == LIVE


def _said(value: Any) -> str:
    return "default" if value is None else visible(text_of(value)) or '""'
