"""The decision map's text, as rendered: the legend keeps class names before notes, text with
wide and combining characters is measured in terminal cells, and data on a line is drawn on
one row and called 1-D (issue 12, items 3, 7 and 18)."""

import re

import numpy as np
import pytest
from rich.cells import cell_len
from rich.text import Text
from textual.app import App, ComposeResult
from textual.geometry import Size

from softmax_tui.datasets import Pipeline
from softmax_tui.engine import NO_SPREAD, ONE_DIMENSIONAL, pca_plane
from softmax_tui.tui import palette
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.mapview import MapView, Viewport
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.palette import ColorMode
from softmax_tui.tui.session import build_session
from softmax_tui.tui.widgets.decision_map import DecisionMap, fitting_title, shown_texts

NOTES = ["boundaries: curved (nonlinear features)", "underlined: misclassified", "curved boundaries",
         "underlined: wrong", "curved", "wrong"]  # the longest first
SIZES = [(80, 24), (100, 30), (120, 40), (200, 60)]


class MapApp(App):
    """A bordered decision map of ``view`` showing the model ``(W, b)`` (and the validation
    points when ``show_validation``)."""

    CSS = "DecisionMap { border: round $foreground 30%; }"

    def __init__(self, view: MapView, W, b, color_mode=ColorMode.TRUECOLOR) -> None:
        super().__init__()
        self.view, self.W, self.b, self.color_mode = view, W, b, color_mode
        self.show_validation = False

    def compose(self) -> ComposeResult:
        yield DecisionMap(self.view, color_mode=self.color_mode)

    def on_mount(self) -> None:
        self.show()

    def on_decision_map_viewport_changed(self) -> None:
        self.show()

    def show(self) -> None:
        widget = self.query_one(DecisionMap)
        widget.show(self.view.frame(self.W, self.b, widget.viewport, validation=self.show_validation))


def three_clusters(class_names, feature_names=("x1", "x2"), d=2):
    """A map view of three clusters named ``class_names``, and a model for it."""
    rng = np.random.default_rng(0)
    y = np.arange(90) % 3
    X = rng.normal(size=(90, d)) + np.eye(3, d)[y] * 3
    view = MapView(X, y, Pipeline.fit(X, tuple(feature_names)), feature_names, class_names)
    return view, rng.normal(size=(3, d)), np.zeros(3)


def screen_cells(line: str) -> list[str]:
    """A line of screen text as one string per terminal cell (a wide character's second cell
    is "", combining marks stay with the character before them)."""
    found: list[str] = []
    for char in line:
        width = cell_len(char)
        if width == 0 and found:
            found[-1] += char
        else:
            found += [char] + [""] * (width - 1)
    return found


def legend_parts(legend: str, glyphs) -> tuple[list[str], list[str]]:
    """The class names a legend shows (after each glyph) and its notes."""
    notes = []
    for note in NOTES:  # the longest first, so that a short note is not found inside a long one
        if note in legend:
            notes.append(note)
            legend = legend.replace(note, "")
    names = [name.strip(" │") for name in re.split(f"[{''.join(glyphs)}]", legend)[1:]]
    return names, notes


# -- item 3: the legend ------------------------------------------------------------------

@pytest.mark.parametrize("class_names,mode", [
    (("setosa", "versicolor", "virginica"), ColorMode.TRUECOLOR),
    (("cluster 1", "cluster 2", "cluster 3"), ColorMode.TRUECOLOR),
    (("cluster 1", "cluster 2", "cluster 3"), ColorMode.MONO),
    (("赤い", "🍏 green", "כחול"), ColorMode.ANSI16),
])
async def test_the_legend_drops_notes_before_it_shortens_names(class_names, mode, live):
    view, W, b = three_clusters(class_names)
    glyphs = palette.GLYPHS[:3]
    app = MapApp(view, W, b, mode)
    shown = {}
    async with app.run_test(size=(100, 24)) as pilot:
        widget = app.query_one(DecisionMap)
        for width in range(100, 23, -3):  # 26: the map at the smallest dashboard
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            legend = Text.from_markup(widget.border_subtitle).plain
            assert legend in live.screen_text(app).splitlines()[-1]  # whole, on the border
            assert cell_len(legend) <= widget.size.width - 6
            names, notes = legend_parts(legend, glyphs)
            if mode is ColorMode.MONO:
                names = [re.sub(r"\s*\[.\]$", "", name) for name in names]
            assert len(names) == 3
            if notes:
                assert names == list(class_names)  # a note only beside whole names
            assert all(name == "" or name == full or name.endswith("…") or "…" in name
                       for name, full in zip(names, class_names))
            assert len(set(names)) == 3 or names == ["", "", ""]  # cut names never read the same
            shown[width] = (sum(map(cell_len, names)), len(notes))
    widths = sorted(shown)
    for narrower, wider in zip(widths, widths[1:]):  # a wider border never shows less
        assert shown[narrower][0] <= shown[wider][0]
    names_whole = [width for width in widths if shown[width][0] == sum(map(cell_len, class_names))]
    assert names_whole and shown[min(names_whole)][1] == 0  # names fit without notes before notes come back


async def test_names_are_cut_to_the_room_there_is(live):
    """At 30 columns iris's names are cut, not dropped (the old legend showed "● ▲ ■ │ inv: wrong")."""
    view, W, b = three_clusters(("setosa", "versicolor", "virginica"))
    async with MapApp(view, W, b).run_test(size=(30, 24)) as pilot:
        await pilot.pause()
        legend = Text.from_markup(pilot.app.query_one(DecisionMap).border_subtitle).plain
        assert legend == "● set… ▲ ver… ■ vir…"


# -- item 7: wide and combining characters ------------------------------------------------

def write_csv(path, header, class_names, d, rng):
    y = np.arange(60) % 3
    X = rng.normal(size=(60, d)) + np.eye(3, d)[y] * 2
    lines = [",".join(header)] + [",".join([*map(repr, row.tolist()), class_names[k]]) for row, k in zip(X, y)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("header", [
    ("長さ", "🌡 temp", "class"),
    ("長さ長さ長さ長さ長さ長さ長さ長さ", "אורך", "class"),
    ("e\u0301te\u0301", "長さ 長さ長さ長さ長さ", "class"),
    ("長さ", "🌡 temp", "אורך", "class"),
])
async def test_every_map_row_is_the_panel_width_and_the_axis_shows_its_extent(header, tmp_path, live):
    path = write_csv(tmp_path / "wide.csv", header, ["赤い", "🍏 green", "כחו\u05b4ל"], len(header) - 1,
                     np.random.default_rng(3))
    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", str(path)])))
    async with app.run_test(size=SIZES[0]) as pilot:
        widget = app.dashboard.query_one(DecisionMap)
        for size in SIZES:
            await pilot.resize_terminal(*size)
            await live.drain(app)
            app.dashboard.draw_frame()
            await pilot.pause()
            width, height = widget.content_size
            for y in range(height):
                assert sum(cell_len(segment.text) for segment in widget.render_line(y)) == width
            region = widget.region
            rows = live.screen_text(app).splitlines()[region.y:region.bottom]
            for row in rows:
                row_cells = screen_cells(row)
                assert row_cells[region.x] in "│╭╰" and row_cells[region.right - 1] in "│╮╯", row
            layout = widget.map_layout()
            s0, s1, _, _ = layout.viewport.extent
            axis = "".join(segment.text for segment in widget.render_line(height - 1))
            assert axis.split()[0] == f"{s0:.3g}" and axis.split()[-1] == f"{s1:.3g}"
            assert axis.rstrip().endswith(f"{s1:.3g}") and cell_len(axis.rstrip()) == width


def test_gutter_and_axis_text_take_their_cells():
    view, _, _ = three_clusters(("a", "b", "c"), ("長さ長さ", "🌡 temp"))
    widget = DecisionMap(view)
    layout = widget._layout_for(Size(40, 12))
    assert all(cell_len(line) == layout.gutter for line in layout.gutter_lines("🌡 temp 長さ長さ長さ長さ長さ長さ"))
    assert cell_len(layout.axis_line("長さ長さ")) == 40


# -- item 18: data on a line --------------------------------------------------------------

def rank_one_csv(path):
    rng = np.random.default_rng(1)
    a = rng.normal(size=60) + np.arange(60) % 3 * 1.5
    rows = [f"{x!r},{2 * x!r},{3 * x!r},{['lo', 'mid', 'hi'][k % 3]}" for k, x in enumerate(a.tolist())]
    path.write_text("a,b,c,class\n" + "\n".join(rows) + "\n")
    return path


def test_a_second_component_of_rounding_noise_is_left_out():
    rng = np.random.default_rng(2)
    a = rng.normal(size=200)
    X = np.column_stack([a, 2 * a, 3 * a])
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    plane = pca_plane(X)
    assert plane.flat and plane.labels == ("PC1 (100%)", ONE_DIMENSIONAL)
    assert np.all(plane.project(X)[:, 1] == 0.0)
    thin = X + np.outer(rng.normal(size=200), [1.0, -1.0, 0.0]) * 1e-6  # a real, thin second direction
    assert not pca_plane(thin).flat and pca_plane(thin).labels[1].startswith("PC2")
    assert NO_SPREAD < 1e-6 / 10


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_collinear_columns_are_drawn_on_one_row_and_called_1d(size, tmp_path, live):
    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", str(rank_one_csv(tmp_path / "line.csv"))])))
    async with app.run_test(size=size) as pilot:
        await live.drain(app)
        app.dashboard.draw_frame()
        await pilot.pause()
        widget = app.dashboard.query_one(DecisionMap)
        layout = widget.map_layout()
        rows_with_points = {
            y for y in range(layout.viewport.rows)
            if any(char in palette.GLYPHS for segment in list(widget.render_line(y))[1:] for char in segment.text)
        }
        assert len(rows_with_points) == 1
        gutter = " ".join(line.strip() for line in layout.gutter_lines(widget.map_view.labels[1]))
        assert "1-D" in gutter and not re.search(r"\d", gutter.replace("1-D", ""))  # no ticks on a flat axis
        region = widget.region
        screen = "\n".join(live.screen_text(app).splitlines()[region.y:region.bottom])
        assert "1-D" in screen and "e-1" not in screen


# -- issue 13, item 3: "N of M shown" -------------------------------------------------------

def hundred_thousand(val_fraction):
    """A map view of 100,000 points, ``val_fraction`` of them held out, and a model for it."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(100_000, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    n_train = round(100_000 * (1 - val_fraction))
    validation = (X[n_train:], y[n_train:]) if val_fraction else None
    view = MapView(X[:n_train], y[:n_train], Pipeline.fit(X[:n_train], ("x1", "x2")), ("x1", "x2"), ("a", "b"),
                   validation=validation)
    return view, np.array([[-1.0, 0.0], [1.0, 0.0]]), np.zeros(2)


def test_shown_text_is_exact_for_a_hundred_thousand_points():
    """2,000 of the training points can be drawn; a map with room for them all draws all of
    them, a 50 x 16 one 240; validation points at the same rate (858 drawable, 103 shown)."""
    view, W, b = hundred_thousand(0.0)
    counts = view.frame(W, b, view.viewport(200, 40)).counts
    assert shown_texts(counts)[0] == "2,000 of 100,000 points shown"
    assert shown_texts(view.frame(W, b, view.viewport(50, 16)).counts) == [
        "240 of 100,000 points shown", "240 of 100,000 shown", "240/100,000 shown", "240/100,000", "240/100000"]
    view, W, b = hundred_thousand(0.3)
    assert shown_texts(view.frame(W, b, view.viewport(50, 16), validation=True).counts) == [
        "240 of 70,000 training, 103 of 30,000 validation points shown", "240 of 70,000 train, 103 of 30,000 val shown",
        "240/70,000 train, 103/30,000 val", "343/100,000 shown", "343/100,000", "343/100000"]
    hidden = view.frame(W, b, view.viewport(50, 16), validation=False).counts
    assert shown_texts(hidden)[0] == "240 of 70,000 training, 0 of 30,000 validation points shown"


def test_shown_text_counts_what_a_cut_viewport_draws(rgb20):
    """A viewport over x1 in [0, 2) shows rgb20's six points with x1 >= 0; all twenty fit a
    whole map, which then says nothing; with validation hidden it says how many are not."""
    X, y = rgb20
    view = MapView(X, y, Pipeline.fit(X, ("x1", "x2")), ("x1", "x2"), ("r", "g", "b"))
    W, b = np.zeros((3, 2)), np.zeros(3)
    cut = view.frame(W, b, Viewport((0.0, 2.0, -2.0, 2.0), 20, 10))
    assert sorted(cut.index.tolist()) == [2, 5, 7, 8, 14, 16]
    assert shown_texts(cut.counts)[0] == "6 of 20 points shown"
    assert shown_texts(view.frame(W, b, view.viewport(20, 10)).counts) == []
    assert fitting_title(view.frame(W, b, view.viewport(20, 10)).counts, 40) == "Decision map"
    split = MapView(X[:14], y[:14], Pipeline.fit(X[:14], ("x1", "x2")), ("x1", "x2"), ("r", "g", "b"),
                    validation=(X[14:], y[14:]))
    assert shown_texts(split.frame(W, b, split.viewport(20, 10), validation=True).counts) == []
    assert shown_texts(split.frame(W, b, split.viewport(20, 10)).counts)[0] == \
        "14 of 14 training, 0 of 6 validation points shown"


@pytest.mark.parametrize("width", [120, 80, 60, 45, 36, 26, 20])
async def test_the_title_says_what_is_shown_in_the_room_there_is(width, live):
    """The border title holds the panel's name and the longest count with words that fits,
    then "Map" and such a count, then bare numbers, never cut: at 26 columns (the map at the
    smallest dashboard) it still says how many points are shown."""
    view, W, b = hundred_thousand(0.3)
    app = MapApp(view, W, b)
    app.show_validation = True
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        widget = app.query_one(DecisionMap)
        counts = widget.frame.counts
        title = widget.border_title
        assert title == fitting_title(counts, width - 6)
        assert cell_len(title) <= width - 6 and title in live.screen_text(app).splitlines()[0]
        texts = shown_texts(counts)
        room = width - 6
        name, _, count = title.rpartition(" · ")
        assert name in ("Decision map", "Map", "") and count in texts
        worded = texts[:-2]  # the forms that say "shown" or name the sets
        if name == "Decision map":  # no longer form fits after it
            assert all(cell_len(f"Decision map · {text}") > room for text in texts[:texts.index(count)])
        if name == "Map":  # the full name fits before no form with words
            assert all(cell_len(f"Decision map · {text}") > room for text in worded)
        if count not in worded:
            assert all(cell_len(f"Map · {text}") > room for text in worded)
        assert (title == f"Decision map · {texts[0]}") == (width >= 85)  # the whole sentence where it fits
        assert (name == "Decision map") == (width >= 45) and (name == "") == (width < 26)
        numbers = [int(n.replace(",", "")) for n in re.findall(r"[\d,]+\d", title)]
        t, total_t, v, total_v = counts.training, counts.training_total, counts.validation, counts.validation_total
        assert numbers in ([t, total_t, v, total_v], [t + v, total_t + total_v])
        assert 0 < t < total_t == 70_000 and 0 < v < total_v == 30_000
