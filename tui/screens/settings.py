"""The settings panel (``s``): every setting of the run in one form, made from
:class:`~softmax_tui.tui.config.RunConfig`'s fields.

A row per field the chosen dataset has (:func:`~softmax_tui.tui.settings.applies`): a
checkbox for a switch, a list for a field with choices (the dataset, the optimizer, the
initialization), the feature transforms as checkboxes, and an entry that takes what the
command line takes for the rest (empty: the default, said in the entry). A changed field is
marked ``live`` (it applies from the next step, the parameters kept) or ``new run`` (the run
starts again at step 0). Enter in an entry, ctrl+s or the Apply button apply; escape cancels.
The line at the bottom says what the focused field does (its ``--help`` text).

The screen returns the edited configuration; the dashboard applies it
(:meth:`~softmax_tui.tui.screens.dashboard.DashboardScreen.apply_settings`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import Field, replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.events import DescendantFocus
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from softmax_tui.datasets import FEATURE_TRANSFORMS

from ..config import DEFAULT_LR, RunConfig
from ..safe_text import visible
from ..settings import (DatasetChoice, applies, changes, chosen_features, default_hint, features_value, is_live,
                        label, panel_fields, text_of, value_of)
from .modal import OnceModal

#: Headings of the field groups, in the order the form shows them.
GROUP_TITLES = {"data": "Data", "training": "Training"}
KEYS_LINE = "tab: next field · enter or ctrl+s: apply · escape: cancel"


class Tick(Checkbox):
    """A checkbox whose ``X`` is there only when it is checked: Textual's draws an ``X``
    either way and tells them apart by colour alone, which NO_COLOR and a text capture lose."""

    @property
    def BUTTON_INNER(self) -> str:  # noqa: N802 (Textual's name)
        return "X" if self.value else " "


class SettingsScreen(OnceModal[RunConfig | None]):
    """Edits ``config`` on one of ``datasets``; returns the new configuration, or None when
    cancelled. ``check`` says what is wrong with a configuration as a whole (a rule between
    fields, as the command line's), or None; ``problem`` is shown at once (why the last
    attempt to apply was refused)."""

    DEFAULT_CSS = """
    SettingsScreen {
        align: center middle;
    }
    #settings {
        width: 96%;
        max-width: 110;
        height: 96%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    #settings-form {
        height: 1fr;
    }
    .settings-heading {
        text-style: bold;
        color: $primary;
        margin-top: 1;
    }
    .settings-row {
        height: auto;
    }
    .settings-row.-hidden {
        display: none;
    }
    .settings-label {
        width: 20;
    }
    .settings-row Input, .settings-row Select {
        width: 1fr;
    }
    .settings-row > Checkbox {
        width: auto;
    }
    .settings-mark {
        width: 9;
        padding-left: 1;
        color: $warning;
    }
    #settings-features {
        grid-size: 3;
        grid-gutter: 0 1;
        height: auto;
        width: 1fr;
    }
    #settings-help {
        height: auto;
        color: $foreground-muted;
    }
    #settings-problem {
        color: $error;
        height: auto;
    }
    #settings-changes {
        height: auto;
    }
    #settings-bottom {
        height: auto;
    }
    #settings-bottom Static {
        width: 1fr;
        color: $foreground-muted;
    }
    #settings-apply {
        width: 9;
        min-width: 9;
    }
    """
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", priority=True),
                Binding("ctrl+s", "apply", "Apply", priority=True)]

    def __init__(self, config: RunConfig, datasets: Sequence[DatasetChoice],
                 check: Callable[[RunConfig], str | None], *, described: RunConfig | None = None,
                 problem: str = "", start: RunConfig | None = None) -> None:
        """``described`` is the command line's run, whose file settings come back with its file
        (:meth:`RunConfig.for_dataset`); ``start``, the form's first values when they are not
        ``config`` (the edits a refused attempt made)."""
        super().__init__()
        self.config = config
        self.described = described
        self.start = start or config
        self._dataset, self._optimizer = self.start.dataset, self.start.optimizer
        self._field_problem = False  # the problem line says a field's text is not a value
        self.datasets = {choice.name: choice for choice in datasets}
        self.check = check
        self.problem = problem
        self.fields = {f.name: f for f in panel_fields()}

    # -- the form ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Vertical(id="settings"):
            with VerticalScroll(id="settings-form"):
                group = None
                for field in self.fields.values():
                    if field.metadata["group"] != group:
                        group = field.metadata["group"]
                        yield Static(GROUP_TITLES.get(group, group.title()), classes="settings-heading")
                    with Horizontal(classes="settings-row", id=f"row-{field.name}"):
                        yield Label(label(field), classes="settings-label")
                        yield self._editor(field)
                        yield Label("", classes="settings-mark", id=f"mark-{field.name}")
            # what these say holds text the user typed and paths: data, never markup
            yield Static("", id="settings-help", markup=False)
            yield Static(visible(self.problem), id="settings-problem", markup=False)
            yield Static("", id="settings-changes", markup=False)
            with Horizontal(id="settings-bottom"):
                yield Static(KEYS_LINE)
                yield Button("Apply", id="settings-apply", variant="primary", compact=True)

    def _editor(self, field: Field) -> Widget:
        value, name = getattr(self.start, field.name), f"field-{field.name}"
        if field.name == "dataset":
            options = [(Text(choice.label), choice.name) for choice in self.datasets.values()]  # data, not markup
            return Select(options, value=value, allow_blank=False, compact=True, id=name)
        if field.name == "features":
            chosen = chosen_features(self.start)
            with_ids = [Tick(transform, transform in chosen, compact=True, id=f"feature-{i}")
                        for i, transform in enumerate(FEATURE_TRANSFORMS)]
            return Grid(*with_ids, id="settings-features")
        if isinstance(field.default, bool):
            return Tick(_switch_text(value), value, compact=True, id=name, classes="settings-switch")
        if field.metadata["choices"]:
            return Select([(choice, choice) for choice in field.metadata["choices"]], value=value,
                          allow_blank=False, compact=True, id=name)
        return Input(text_of(value), compact=True, id=name, select_on_focus=False)

    def on_mount(self) -> None:
        self.query_one("#settings").border_title = "Settings"
        self._show_fields_of(self.start.dataset)
        self._refresh_marks()
        self.query_one(f"#field-{next(iter(self.fields))}").focus()

    def _choice(self) -> DatasetChoice:
        return self.datasets[self.query_one("#field-dataset", Select).value]

    def _show_fields_of(self, dataset: str) -> None:
        """The rows ``dataset`` has, each entry's placeholder its default there."""
        choice, config = self.datasets[dataset], replace(self.config, optimizer=self._optimizer)
        for name, field in self.fields.items():
            self.query_one(f"#row-{name}").set_class(not applies(name, choice, self._optimizer), "-hidden")
            editor = self.query_one(f"#field-{name}") if name != "features" else None
            if isinstance(editor, Input):
                hint = default_hint(name, config, choice)
                editor.placeholder = f"default: {hint}" if hint else ""

    # -- reading it --------------------------------------------------------------------------

    def edited(self) -> RunConfig:
        """The configuration the form says; a ValueError names a field whose text is not a value."""
        choice, values = self._choice(), {}
        optimizer = self.query_one("#field-optimizer", Select).value
        for name, field in self.fields.items():
            if not applies(name, choice, optimizer):  # the rate is kept for a first-order optimizer after
                values[name] = self.config.lr if name == "lr" else field.default  # newton or lbfgs
            elif name == "features":
                values[name] = features_value([box.label.plain for box in self.query("#settings-features Checkbox")
                                               if box.value])
            else:
                editor = self.query_one(f"#field-{name}")
                values[name] = value_of(field, editor.value) if isinstance(editor, Input) else editor.value
        return replace(self.config, **values)

    def _refresh_marks(self) -> None:
        """Mark each changed field ``live`` or ``new run`` and say the changes at the bottom; a
        field whose text is not a value is said once, in the problem line, until it is one."""
        problem = self.query_one("#settings-problem", Static)
        try:
            edited = self.edited()
        except ValueError as e:
            problem.update(visible(str(e)))
            self.query_one("#settings-changes", Static).update("Apply waits for the field above.")
            self._field_problem = True
            return
        if self._field_problem:
            problem.update("")
            self._field_problem = False
        changed = {f.name for f in self.config.differences(edited)}
        for name, field in self.fields.items():
            mark = ("live" if is_live(field) else "new run") if name in changed else ""
            self.query_one(f"#mark-{name}", Label).update(mark)
        said = changes(self.config, edited)
        if not said:
            summary = "No changes."
        elif self.config.needs_restart(edited):
            summary = "Apply starts a new run at step 0: " + ", ".join(said)
        else:
            summary = "Apply goes on from the next step: " + ", ".join(said)
        self.query_one("#settings-changes", Static).update(summary)

    # -- events ------------------------------------------------------------------------------

    @on(Select.Changed, "#field-dataset")
    def dataset_changed(self, event: Select.Changed) -> None:
        """Another dataset: the fields that describe data start from what they are for it
        (:meth:`RunConfig.for_dataset`), and the form shows the rows it has."""
        if event.value == self._dataset:
            return
        self._dataset = event.value
        fresh = self.config.for_dataset(event.value, self.described)
        for name, field in self.fields.items():
            if field.metadata["per_dataset"]:
                self._set(name, getattr(fresh, name))
        self._show_fields_of(event.value)
        self._refresh_marks()

    @on(Select.Changed, "#field-optimizer")
    def optimizer_changed(self, event: Select.Changed) -> None:
        """A learning rate left at the old optimizer's default follows to the new one's (as
        ``o`` does); a rate typed in stays."""
        if event.value == self._optimizer:
            return
        lr = self.query_one("#field-lr", Input)
        if lr.value.strip() in ("", text_of(DEFAULT_LR[self._optimizer])):
            lr.value = text_of(DEFAULT_LR[event.value])
        self._optimizer = event.value
        self._show_fields_of(self._dataset)
        self._refresh_marks()

    def _set(self, name: str, value) -> None:
        """Put ``value`` in field ``name``'s editor."""
        if name == "features":
            chosen = chosen_features(replace(self.config, features=value))
            for box in self.query("#settings-features Checkbox").results(Checkbox):
                box.value = box.label.plain in chosen
            return
        editor = self.query_one(f"#field-{name}")
        editor.value = text_of(value) if isinstance(editor, Input) else value

    @on(Checkbox.Changed, ".settings-switch")
    def switched(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = _switch_text(event.value)

    @on(Input.Changed)
    @on(Checkbox.Changed)
    @on(Select.Changed)
    def field_changed(self) -> None:
        self._refresh_marks()

    @on(DescendantFocus)
    def say_what_it_does(self, event: DescendantFocus) -> None:
        widget = event.widget
        name = (widget.id or "").removeprefix("field-")
        if widget.id and widget.id.startswith("feature-"):
            name = "features"
        if name in self.fields:
            self.query_one("#settings-help", Static).update(f"{label(self.fields[name])}: "
                                                             f"{self.fields[name].metadata['help']}")

    @on(Input.Submitted)
    @on(Button.Pressed, "#settings-apply")
    def action_apply(self) -> None:
        """Return the edited configuration, unless a field or a rule between fields refuses it."""
        try:
            edited = self.edited()
        except ValueError as e:
            self._refuse(str(e))
            return
        if problem := self.check(edited):
            self._refuse(problem)
            return
        self.dismiss(edited)

    def _refuse(self, problem: str) -> None:
        self.query_one("#settings-problem", Static).update(visible(problem))
        self.app.bell()


def _switch_text(on: bool) -> str:
    """A switch's label: what it is now."""
    return "on" if on else "off"
