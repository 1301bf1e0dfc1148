"""The Decision map widget, mounted in a small app that owns its frames: what it draws cell by
cell, in each colour mode, the messages a click, an arrow key or a resize posts, and that the
widget itself never computes with the model."""

import contextlib

import numpy as np
import pytest
from rich.cells import cell_len
from rich.segment import Segment
from rich.text import Text
from textual.app import App, ComposeResult

from softmax_tui.datasets import Pipeline, load_dataset, prepare
from softmax_tui.engine import Optimizer, SoftmaxRegression, Trainer
from softmax_tui.tui import palette
from softmax_tui.tui.mapview import MapView, Selection, Viewport
from softmax_tui.tui.palette import ColorMode
from softmax_tui.tui.widgets.decision_map import DecisionMap

SIZE = (64, 22)  # the widget fills the screen: content 62 x 20, map 56 x 19 beside a 6-column gutter


def session(name="rgb20", features=None, steps=150):
    dataset = load_dataset(name)
    prepared = prepare(dataset, features=features)
    view = MapView(dataset.X, dataset.y, prepared.pipeline, dataset.feature_names, dataset.class_names)
    d, K = prepared.X_train.shape[1], dataset.n_classes
    model = SoftmaxRegression.initialized(d, K, rng=np.random.default_rng(0))
    trainer = Trainer(model, Optimizer("gd", None), prepared.X_train, prepared.y_train, None, None, lr=1.0)
    for _ in range(steps):
        snap = trainer.step()
    return view, snap.W, snap.b


@pytest.fixture(scope="module")
def rgb20():
    return session()


class MapApp(App):
    """A decision map and its owner, as the dashboard is: :meth:`show` builds a frame of the
    state for the map's viewport, and again when the map posts ``ViewportChanged``; framed by a
    border as the dashboard frames its panels."""

    CSS = "DecisionMap { border: round $foreground 30%; }"

    def __init__(self, view: MapView, **options) -> None:
        super().__init__()
        self.view, self.options = view, options
        self.messages: list = []  # the selections posted
        self.viewports: list[Viewport] = []  # the viewports asked for
        self.state: tuple | None = None  # W, b, selection, boundaries, validation

    def compose(self) -> ComposeResult:
        yield DecisionMap(self.view, **self.options)

    def show(self, W, b, selection: Selection | None = None, boundaries: bool = False,
             validation: bool = False) -> None:
        self.state = (W, b, selection, boundaries, validation)
        self._hand_over()

    def _hand_over(self) -> None:
        W, b, selection, boundaries, validation = self.state
        widget = self.query_one(DecisionMap)
        widget.show(self.view.frame(W, b, widget.viewport, selection, boundaries=boundaries, validation=validation))

    def on_decision_map_point_selected(self, message: DecisionMap.PointSelected) -> None:
        self.messages.append(message)

    def on_decision_map_location_selected(self, message: DecisionMap.LocationSelected) -> None:
        self.messages.append(message)

    def on_decision_map_viewport_changed(self, message: DecisionMap.ViewportChanged) -> None:
        self.viewports.append(message.viewport)
        if self.state is not None:
            self._hand_over()


@contextlib.asynccontextmanager
async def shown(view: MapView, W, b, *show, size=SIZE, color_mode=ColorMode.TRUECOLOR, **show_options):
    """The map of ``(W, b)`` (and ``show``'s selection, ``show_options``) in a running
    ``MapApp``: ``(app, pilot, widget)``. ``color_mode=None``: the terminal's."""
    app = MapApp(view) if color_mode is None else MapApp(view, color_mode=color_mode)
    async with app.run_test(size=size) as pilot:
        widget = app.query_one(DecisionMap)
        app.show(W, b, *show, **show_options)
        await pilot.pause()
        yield app, pilot, widget


def cells(widget: DecisionMap, y: int) -> list[Segment]:
    """Content line ``y`` as one single-character segment per cell."""
    return [Segment(char, seg.style) for seg in widget.render_line(y) for char in seg.text]


def map_cell(widget: DecisionMap, col: int, row: int) -> Segment:
    return cells(widget, row)[widget.map_layout().gutter + col]


def rgb(color) -> list[int]:
    return list(color.triplet)


async def test_cells_are_half_blocks_coloured_by_the_blended_pixels(rgb20):
    view, W, b = rgb20
    async with shown(view, W, b) as (app, pilot, widget):
        layout = widget.map_layout()
        assert (layout.viewport.cols, layout.viewport.rows) == (56, 19) and layout.gutter == 6
        frame = widget.frame
        colours = palette.map_colors(frame.proba)
        points = set(zip(frame.cols.tolist(), frame.rows.tolist()))
        half_blocks = 0
        for row in range(layout.viewport.rows):
            line = cells(widget, row)
            assert len(line) == 62
            for col in range(layout.viewport.cols):
                cell = line[layout.gutter + col]
                if (col, row) in points:
                    continue
                assert cell.text == "▀"
                assert rgb(cell.style.color) == colours[2 * row, col].tolist()
                assert rgb(cell.style.bgcolor) == colours[2 * row + 1, col].tolist()
                half_blocks += 1
        assert half_blocks == 56 * 19 - len(points)
        # The colours are the model's probabilities: confident red in the top middle.
        top = colours[0, layout.viewport.cols // 2]
        assert np.abs(top.astype(int) - palette.COLORS[0]).max() <= 10


async def test_points_are_class_glyphs_on_their_class_colour(rgb20):
    view, W, b = rgb20
    async with shown(view, W, b) as (app, pilot, widget):
        frame = widget.frame
        assert len(frame.index) == 20 and not frame.wrong.any()  # the trained model gets all 20 right
        for col, row, label in zip(frame.cols, frame.rows, frame.label):
            cell = map_cell(widget, col, row)
            assert cell.text == palette.GLYPHS[label]
            assert rgb(cell.style.bgcolor) == palette.COLORS[label].tolist()
            assert rgb(cell.style.color) == palette.contrast_color(palette.COLORS[label]).tolist()
            assert cell.style.bold


async def test_misclassified_points_are_inverted():
    view, W, b = session(steps=1)
    async with shown(view, W, b) as (app, pilot, widget):
        frame = widget.frame
        assert frame.wrong.any()
        for col, row, label, wrong in zip(frame.cols, frame.rows, frame.label, frame.wrong):
            cell = map_cell(widget, col, row)
            colour = palette.COLORS[label].tolist()
            contrast = palette.contrast_color(palette.COLORS[label]).tolist()
            expected = (colour, contrast) if wrong else (contrast, colour)
            assert (rgb(cell.style.color), rgb(cell.style.bgcolor)) == expected


async def test_selection_marks_and_boundaries_toggle(rgb20):
    view, W, b = rgb20
    async with shown(view, W, b, Selection.point(5)) as (app, pilot, widget):
        viewport = widget.map_layout().viewport
        col, row = viewport.cell_of(*view.coords_of(5))
        line = cells(widget, row)
        g = widget.map_layout().gutter
        assert [c.text for c in line[g + col - 1 : g + col + 2]] == ["[", palette.GLYPHS[1], "]"]
        assert not any(c.text in "•·" for r in range(viewport.rows) for c in cells(widget, r))
        app.show(W, b, Selection.at(*viewport.cell_centre(col - 1, row)))  # a bracket over point 5
        await pilot.pause()
        line = cells(widget, row)
        assert [c.text for c in line[g + col - 2 : g + col + 1]] == ["[", "+", "]"]
        colours = palette.map_colors(widget.frame.proba).astype(int)
        for c in (col - 2, col):  # marks are on the map's colour, even where they hide a point
            mean = (colours[2 * row, c] + colours[2 * row + 1, c]) // 2
            assert rgb(line[g + c].style.bgcolor) == mean.tolist()

        s, t = viewport.cell_centre(10, 3)
        app.show(W, b, Selection.at(s, t), boundaries=True)
        await pilot.pause()
        assert [c.text for c in cells(widget, 3)[g + 9 : g + 12]] == ["[", "+", "]"]
        traces = widget.frame.traces
        assert len(traces) == 3
        drawn = {(c, r) for tr in traces for c, r in zip(tr.cols.tolist(), tr.rows.tolist())}
        points = set(zip(widget.frame.cols.tolist(), widget.frame.rows.tolist()))
        for c, r in drawn - points - {(9, 3), (10, 3), (11, 3)}:
            assert map_cell(widget, c, r).text in "•·"
        active = {(c, r) for tr in traces for c, r, a in zip(tr.cols, tr.rows, tr.active) if a}
        assert any(map_cell(widget, c, r).text == "•" for c, r in active - points)

        app.show(W, b, Selection.at(s, t), boundaries=False)
        await pilot.pause()
        assert widget.frame.traces is None
        assert not any(c.text in "•·" for r in range(viewport.rows) for c in cells(widget, r))


async def test_axes_show_labels_and_extent(rgb20):
    view, W, b = rgb20
    async with shown(view, W, b) as (app, pilot, widget):
        gutter = widget.map_layout().gutter
        s0, s1, t0, t1 = widget.map_layout().viewport.extent
        text = ["".join(c.text for c in cells(widget, y)) for y in range(20)]
        assert text[0][:gutter].strip() == f"{t1:.3g}" and text[18][:gutter].strip() == f"{t0:.3g}"
        assert any(line.strip().startswith("x2") for line in text[1:18])
        axis = text[19].split()
        assert axis == [f"{s0:.3g}", "x1", f"{s1:.3g}"]
        assert widget.border_title == "Decision map"
        assert "red" in str(widget.border_subtitle) and "misclassified" in str(widget.border_subtitle)


@pytest.mark.parametrize("width", [72, 64, 60, 40, 33, 26])  # 26: the map at the smallest dashboard
async def test_the_legend_fits_the_border_whatever_the_width(live, width):
    view, W, b = session("iris", steps=5)
    async with shown(view, W, b, size=(width, 22)) as (app, pilot, widget):
        legend = Text.from_markup(widget.border_subtitle).plain
        assert cell_len(legend) <= width - 8  # the border, its corners and their padding: nothing is cut off
        assert all(glyph in legend for glyph in palette.GLYPHS[:3])
        assert ("versicolor" in legend and "misclassified" in legend) == (width >= 72)
        assert ("underlined" in legend) == (width >= 64)
        assert ("wrong" in legend or "misclassified" in legend) == (width >= 60)  # the note goes before any name is cut
        assert legend in live.screen_text(app).splitlines()[widget.region.bottom - 1]  # whole, as Textual drew it


async def test_the_legend_never_cuts_class_names_alike():
    view, W, b = session("blobs", steps=5)  # "blob 0", "blob 1", "blob 2"
    async with shown(view, W, b, size=(38, 22)) as (app, pilot, widget):
        assert "blo " not in Text.from_markup(widget.border_subtitle).plain


async def test_clicks_select_the_nearest_point_or_a_location(rgb20):
    view, W, b = rgb20
    async with shown(view, W, b) as (app, pilot, widget):
        layout = widget.map_layout()
        col, row = layout.viewport.cell_of(*view.coords_of(12))
        # offsets are relative to the widget: 1 for the border, then the gutter.
        await pilot.click(DecisionMap, offset=(1 + layout.gutter + col, 1 + row))
        await pilot.click(DecisionMap, offset=(1 + layout.gutter + col + 1, 1 + row))
        await pilot.click(DecisionMap, offset=(1 + layout.gutter + 55, 1 + 18))  # bottom-right corner
        await pilot.click(DecisionMap, offset=(2, 3))  # the gutter: nothing
        await pilot.pause()
        first, second, third = app.messages
        assert isinstance(first, DecisionMap.PointSelected) and first.index == 12
        assert first.selection == Selection.point(12) and first.control is widget
        assert isinstance(second, DecisionMap.PointSelected) and second.index == 12  # one cell off
        assert isinstance(third, DecisionMap.LocationSelected)
        assert (third.s, third.t) == layout.viewport.cell_centre(55, 18)
        assert third.selection == Selection.at(third.s, third.t)


async def test_only_changed_rows_are_redrawn(rgb20):
    view, W, b = rgb20
    async with shown(view, W, b, Selection.point(1)) as (app, pilot, widget):
        frame = widget.frame
        before = [widget.render_line(y) for y in range(20)]
        widget.show(frame)  # the same frame: nothing to do
        assert all(widget.render_line(y) is before[y] for y in range(20))
        app.show(W.copy(), b.copy(), Selection.point(1))  # an equal frame: no line drawn again
        assert widget.frame is not frame and all(widget.render_line(y) is before[y] for y in range(20))
        # A new selection: same probabilities, new marks on two rows only.
        app.show(W, b, Selection.point(2))
        viewport = widget.map_layout().viewport
        rows = {viewport.cell_of(*view.coords_of(i))[1] for i in (1, 2)}
        np.testing.assert_array_equal(widget.frame.proba, frame.proba)
        assert {y for y in range(20) if widget.render_line(y) is not before[y]} == rows
        await pilot.pause()
        # What is on screen is what a fresh widget draws for the same state.
        assert app.export_screenshot() == await screenshot(view, W, b, Selection.point(2))
        assert app.export_screenshot() != await screenshot(view, W, b, Selection.point(1))
        app.show(W * 1.5, b, Selection.point(2))
        await pilot.pause()
        assert app.export_screenshot() == await screenshot(view, W * 1.5, b, Selection.point(2))


async def screenshot(view, W, b, selection, size=SIZE, **show_options) -> str:
    app = MapApp(view, color_mode=ColorMode.TRUECOLOR)
    async with app.run_test(size=size) as pilot:
        app.show(W, b, selection, **show_options)
        await pilot.pause()
        return app.export_screenshot()


async def test_resizing_to_tiny_and_back(rgb20):
    view, W, b = rgb20
    async with shown(view, W, b, Selection.point(0), boundaries=True, color_mode=None) as (app, pilot, widget):
        for width, height in ((10, 4), (3, 3), (1, 1), (17, 7), (12, 40), (SIZE)):
            await pilot.resize_terminal(width, height)
            await pilot.pause()
            app.export_screenshot()
            content = widget.content_size
            for y in range(content.height):
                assert widget.render_line(y).cell_length == content.width
        assert widget.map_layout().axes


async def test_the_widget_never_computes_and_asks_for_a_frame_when_resized(rgb20, monkeypatch):
    """Resized, clicked and restyled, the map never calls the model or the
    map view's frame builder: it posts ViewportChanged and keeps its last picture, cut or padded
    to the new size, until its owner hands over a frame for the new viewport."""
    view, W, b = rgb20
    async with shown(view, W, b, Selection.point(5), boundaries=True) as (app, pilot, widget):
        old_viewport, old_line = widget.viewport, widget.render_line(0).text
        app.state = None  # the owner hands nothing over for now

        def computes(*args, **kwargs):
            raise AssertionError("the widget computed")

        for name in ("predict_proba", "predict", "logits"):
            monkeypatch.setattr(SoftmaxRegression, name, computes)
        for name in ("frame", "boundaries", "point", "logit_plane"):
            monkeypatch.setattr(MapView, name, computes)
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        assert widget.viewport != old_viewport and app.viewports[-1] == widget.viewport
        assert widget.frame.viewport == old_viewport
        content = widget.content_size
        assert widget.render_line(0).text == old_line.ljust(content.width)
        await pilot.click(DecisionMap, offset=(10, 5))
        app.theme = "textual-light"
        await pilot.pause()
        app.export_screenshot()
        assert all(widget.render_line(y).cell_length == content.width for y in range(content.height))
        assert app._exception is None and len(app.messages) == 1

        monkeypatch.undo()
        app.show(W, b, Selection.point(5), boundaries=True)
        app.theme = "textual-dark"
        await pilot.pause()
        fresh = await screenshot(view, W, b, Selection.point(5), size=(80, 30), boundaries=True)
        assert app.export_screenshot() == fresh


async def test_tiny_map_without_axes(rgb20):
    view, W, b = rgb20
    async with shown(view, W, b, Selection.point(3), size=(12, 6)) as (app, pilot, widget):
        layout = widget.map_layout()
        assert not layout.axes and (layout.viewport.cols, layout.viewport.rows) == (10, 4)
        text = "".join(c.text for y in range(4) for c in cells(widget, y))
        assert len(text) == 40 and "▀" in text and "[" in text


async def test_no_color_fills_regions_with_the_winning_class(rgb20, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    view, W, b = rgb20
    async with shown(view, W, b, Selection.point(0), boundaries=True, color_mode=None) as (app, pilot, widget):
        assert app.no_color and widget.color_mode is ColorMode.MONO
        app.export_screenshot()
        frame = widget.frame
        winner = (frame.proba[0::2] + frame.proba[1::2]).argmax(axis=-1)
        marked = set(zip(frame.cols.tolist(), frame.rows.tolist()))
        marked |= {(c, r) for tr in widget.frame.traces for c, r in zip(tr.cols.tolist(), tr.rows.tolist())}
        col, row = widget.map_layout().viewport.cell_of(*view.coords_of(0))
        marked |= {(col - 1, row), (col + 1, row)}
        for r in range(widget.map_layout().viewport.rows):
            for c in range(widget.map_layout().viewport.cols):
                if (c, r) not in marked:
                    assert map_cell(widget, c, r).text == palette.MONO_FILLS[winner[r, c]]
        for c, r, label in zip(frame.cols, frame.rows, frame.label):
            cell = map_cell(widget, c, r)
            assert cell.text == palette.GLYPHS[label] and cell.style.bold
        assert "[░]" in str(widget.border_subtitle)


async def test_sixteen_colours_show_the_winning_class_hue(rgb20):
    view, W, b = rgb20
    async with shown(view, W, b, color_mode=ColorMode.ANSI16) as (app, pilot, widget):
        frame = widget.frame
        confident = frame.proba.max(-1) >= palette.CONFIDENT
        expected = palette.ANSI_RGB[palette.ansi_number(frame.proba.argmax(-1), confident)]
        points = set(zip(frame.cols.tolist(), frame.rows.tolist()))
        layout = widget.map_layout()
        for r in range(layout.viewport.rows):
            for c in range(layout.viewport.cols):
                if (c, r) not in points:
                    cell = map_cell(widget, c, r)
                    assert rgb(cell.style.color) == expected[2 * r, c].tolist()
                    assert rgb(cell.style.bgcolor) == expected[2 * r + 1, c].tolist()
        used = {tuple(expected[p]) for p in np.ndindex(expected.shape[:2])}
        assert used <= {tuple(c) for c in palette.ANSI_RGB.tolist()}
        assert tuple(palette.ANSI_RGB[9]) in used  # confident red
        assert tuple(palette.ANSI_RGB[1]) in used  # red near a boundary


async def test_nonlinear_features_say_the_boundaries_are_curved():
    view, W, b = session("circle", features=("x1^2", "x2^2"), steps=100)
    app = MapApp(view, color_mode=ColorMode.TRUECOLOR, ascii_glyphs=True)
    async with app.run_test(size=SIZE) as pilot:
        widget = app.query_one(DecisionMap)
        app.show(W, b, boundaries=True)
        await pilot.pause()
        assert widget.frame.traces is None
        assert "curved" in str(widget.border_subtitle)
        glyphs = {c.text for y in range(19) for c in cells(widget, y)}
        assert {"o", "^"} <= glyphs and not glyphs & set(palette.GLYPHS)
        app.show(W, b, boundaries=False)
        assert "curved" not in str(widget.border_subtitle)


# -- issue 13, items 3 and 7: validation points, and misclassified points in every mode --------


def sectors(K: int):
    """A model whose class k wins the sector around angle 2 pi k / K, and a map of points of
    every class, right and wrong, training and validation: class k's training point at
    radius 1 in its own sector (right) and at radius 2 in the next (wrong), its validation
    points at radii 3 and 4 likewise."""
    angle = 2 * np.pi * np.arange(K) / K
    W, b = 5 * np.column_stack([np.cos(angle), np.sin(angle)]), np.zeros(K)

    def ring(radius, shift):
        a = angle + 2 * np.pi * shift / K
        return radius * np.column_stack([np.cos(a), np.sin(a)])

    X_train, X_val = np.vstack([ring(1, 0), ring(2, 1)]), np.vstack([ring(3, 0), ring(4, 1)])
    y = np.tile(np.arange(K), 2)
    pipeline = Pipeline.fit(X_train, ("x1", "x2"), standardize=False)
    view = MapView(X_train, y, pipeline, ("x1", "x2"), [f"class {k}" for k in range(K)], validation=(X_val, y))
    return view, W, b


@pytest.mark.parametrize("K", [3, 10])
@pytest.mark.parametrize("mode", ["truecolor", "16 colours", "NO_COLOR"])
async def test_misclassified_points_differ_from_every_correct_point_in_every_mode(K, mode, monkeypatch):
    """Every misclassified point's cell differs from every correct point's cell of every class
    in what 16 colours and NO_COLOR keep, its character and its attributes (underlined), and
    still shows its true class: its glyph (filled for training, hollow for validation) and,
    in colour, its class's colour."""
    view, W, b = sectors(K)
    if mode == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    color_mode = {"truecolor": ColorMode.TRUECOLOR, "16 colours": ColorMode.ANSI16, "NO_COLOR": None}[mode]
    async with shown(view, W, b, size=(100, 40), color_mode=color_mode, validation=True) as (app, pilot, widget):
        frame = widget.frame
        assert len(frame.index) == 4 * K and len(set(zip(frame.cols.tolist(), frame.rows.tolist()))) == 4 * K
        np.testing.assert_array_equal(frame.wrong, np.isin(frame.index % (2 * K), np.arange(K, 2 * K)))
        np.testing.assert_array_equal(frame.held_out, frame.index >= 2 * K)
        colours = palette.class_colors(widget.color_mode, K)
        right, wrong = [], []
        for col, row, label, is_wrong, held_out in zip(frame.cols, frame.rows, frame.label, frame.wrong,
                                                        frame.held_out):
            cell = map_cell(widget, col, row)
            assert cell.text == (palette.HOLLOW_GLYPHS if held_out else palette.GLYPHS)[label]
            if widget.color_mode is not ColorMode.MONO:
                assert rgb(cell.style.color if is_wrong else cell.style.bgcolor) == colours[label].tolist()
            kept = (cell.text, bool(cell.style.bold), bool(cell.style.underline), bool(cell.style.reverse))
            (wrong if is_wrong else right).append(kept)
        assert len(right) == len(wrong) == 2 * K
        assert all(w[2] and not r[2] for w in wrong for r in right)  # underlined: wrong, and only wrong
        assert not set(wrong) & set(right)
        if widget.color_mode is ColorMode.MONO:
            assert all(w[3] for w in wrong)  # and in reverse video


async def test_validation_points_can_be_hidden_and_clicked():
    view, W, b = sectors(3)
    async with shown(view, W, b, validation=True) as (app, pilot, widget):
        layout = widget.map_layout()
        target = 6 + 2  # validation point 2: class 2 at radius 3
        col, row = layout.viewport.cell_of(*view.coords_of(target))
        await pilot.click(DecisionMap, offset=(1 + layout.gutter + col, 1 + row))
        assert "│ ○△□ val │" in Text.from_markup(widget.border_subtitle).plain
        app.show(W, b, Selection.point(target), validation=False)
        await pilot.pause()
        assert not widget.frame.held_out.any()
        assert "○" not in Text.from_markup(widget.border_subtitle).plain
        assert map_cell(widget, col, row).text == palette.HOLLOW_GLYPHS[2]  # the selection is drawn
        assert [c.text for c in cells(widget, row)[layout.gutter + col - 1: layout.gutter + col + 2]] == \
            ["[", palette.HOLLOW_GLYPHS[2], "]"]
        assert widget.border_title == "Decision map · 6 of 6 train, 0 of 6 val shown"  # 64 columns: the middle form
        await pilot.click(DecisionMap, offset=(1 + layout.gutter + col, 1 + row))
        await pilot.pause()
        first, second = app.messages
        assert first.index == target  # a shown validation point is picked
        assert isinstance(second, DecisionMap.LocationSelected)  # hidden, it is not: the training points are far
