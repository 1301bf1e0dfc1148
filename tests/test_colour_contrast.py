"""Every text on the dashboard reads: a contrast ratio of at least 4.5:1 to its background
(WCAG 2.x level AA) in every colour mode and in a dark and a light theme, class names in the
hue their class has on the map (issue 12, items 10-13; README: "readable without colour").

The checker below works on what the terminal is sent: the screen's compositor render (after
Textual's filters, so ``NO_COLOR``'s greys), each segment's colours resolved as the terminal
shows them (Rich's downgrade to 256 or 16 colours, read in Rich's palettes; the terminal's
default colours taken as the theme's; reverse swaps them, dim halves the way from background
to foreground), and compared with its own WCAG formulas, not the app's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from rich._palettes import EIGHT_BIT_PALETTE, STANDARD_PALETTE
from rich.cells import cell_len
from rich.color import Color as RichColor
from rich.color import ColorSystem, ColorType
from rich.style import Style
from textual.color import Color

from softmax_tui.tui import palette
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.session import build_session
from softmax_tui.tui.widgets.decision_map import DecisionMap

AA = 4.5
SIZE = (120, 40)
THEMES = ("textual-dark", "textual-light")
#: colour mode: (TERM, COLORTERM or None, NO_COLOR), and the colour system Rich should find
MODES = {
    "truecolor": (("xterm-256color", "truecolor", False), "truecolor"),
    "256": (("xterm-256color", None, False), "256"),
    "ansi16": (("xterm", None, False), "standard"),
    "no-color": (("xterm-256color", "truecolor", True), "truecolor"),
}
SYSTEMS = {"truecolor": ColorSystem.TRUECOLOR, "256": ColorSystem.EIGHT_BIT, "standard": ColorSystem.STANDARD}
DATASETS = {"rgb20": [], "iris": ["--val-fraction", "0.3"], "blobs10": ["--classes", "10", "--val-fraction", "0.3"]}


# -- the checker --------------------------------------------------------------------------------


def relative_luminance(rgb) -> float:
    """The relative luminance of an sRGB colour (channels 0-255), WCAG 2.x's definition:
    https://www.w3.org/TR/WCAG21/#dfn-relative-luminance (L = 0.2126 R + 0.7152 G + 0.0722 B
    of the linearised channels; a channel c/255 <= 0.04045 is divided by 12.92, else
    ((c/255 + 0.055) / 1.055) ** 2.4)."""
    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast_ratio(a, b) -> float:
    """WCAG 2.x contrast ratio (L1 + 0.05) / (L2 + 0.05), L1 the lighter colour's relative
    luminance: https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio ; AA asks 4.5:1 of normal
    text (https://www.w3.org/TR/WCAG21/#contrast-minimum)."""
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def shown(color: RichColor | None, system: ColorSystem, default: tuple[int, int, int]) -> tuple[int, int, int]:
    """The RGB a terminal with ``system`` shows for ``color`` (``default`` for its default
    colour): Rich's downgrade, ANSI numbers read in Rich's standard and 256-colour palettes."""
    if color is None or color.type is ColorType.DEFAULT:
        return default
    color = color.downgrade(system)
    if color.type in (ColorType.STANDARD, ColorType.WINDOWS) or (color.type is ColorType.EIGHT_BIT and color.number < 16):
        return tuple(STANDARD_PALETTE[color.number])
    if color.type is ColorType.EIGHT_BIT:
        return tuple(EIGHT_BIT_PALETTE[color.number])
    return tuple(color.triplet)


def is_text(character: str) -> bool:
    """Whether a character is text: not a space and not a drawing of lines or areas (box
    drawing: borders, the bars' axis; block elements: the map's half-block pixels, the
    parameter bars; braille: the loss curve). Glyphs (point markers, ▲▼, ✓) are text."""
    code = ord(character)
    return not (character.isspace() or 0x2500 <= code <= 0x259F or 0x2800 <= code <= 0x28FF)


@dataclass(frozen=True)
class Run:
    """A run of text on the screen with the colours the terminal shows it in."""

    x: int
    y: int
    text: str
    fg: tuple[int, int, int]
    bg: tuple[int, int, int]

    @property
    def ratio(self) -> float:
        return contrast_ratio(self.fg, self.bg)


def resolve(style: Style | None, system: ColorSystem, default_fg, default_bg) -> tuple[tuple, tuple]:
    """The foreground and background a segment is shown in."""
    style = style or Style()
    fg, bg = shown(style.color, system, default_fg), shown(style.bgcolor, system, default_bg)
    if style.reverse:
        fg, bg = bg, fg
    if style.dim:
        fg = tuple((f + b) / 2 for f, b in zip(fg, bg))
    return fg, bg


def screen_runs(app) -> list[Run]:
    """Every run of text on the screen (segments holding a text character)."""
    system = SYSTEMS[app.console.color_system]
    variables = app.theme_variables
    default_fg, default_bg = (Color.parse(variables[name]).rgb for name in ("foreground", "background"))
    runs = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        x = 0
        for text, style, control in strip:
            if not control and any(is_text(c) for c in text):
                runs.append(Run(x, y, text, *resolve(style, system, default_fg, default_bg)))
            x += 0 if control else cell_len(text)
    return runs


def unreadable(app) -> list[str]:
    """The runs of text below AA, described with the widget they are in."""
    failures = []
    for run in screen_runs(app):
        if run.ratio < AA:
            widget, _ = app.screen.get_widget_at(run.x, run.y)
            failures.append(f"{type(widget).__name__} {run.text!r}: {run.fg} on {run.bg} = {run.ratio:.2f}")
    return failures


def test_the_checker_agrees_with_wcag():
    assert contrast_ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast_ratio((18, 52, 86), (18, 52, 86)) == pytest.approx(1)
    # WebAIM's contrast checker: #767676 on white 4.54:1, the lightest grey that passes AA;
    # #777777 4.48:1 fails.
    assert contrast_ratio((0x76,) * 3, (255, 255, 255)) == pytest.approx(4.54, abs=0.005)
    assert contrast_ratio((0x77,) * 3, (255, 255, 255)) == pytest.approx(4.48, abs=0.005)


def test_the_checker_resolves_colours_as_the_terminal_shows_them():
    grey = RichColor.parse("#e0e0e0")
    assert shown(grey, ColorSystem.TRUECOLOR, (0, 0, 0)) == (224, 224, 224)
    assert shown(RichColor.parse("#5555ff"), ColorSystem.STANDARD, (0, 0, 0)) == (85, 85, 255)
    assert shown(None, ColorSystem.STANDARD, (1, 2, 3)) == (1, 2, 3)
    fg, bg = resolve(Style(color="#ffffff", bgcolor="#000000", reverse=True), ColorSystem.TRUECOLOR, None, None)
    assert (fg, bg) == ((0, 0, 0), (255, 255, 255))
    fg, _ = resolve(Style(color="#ffffff", bgcolor="#000000", dim=True), ColorSystem.TRUECOLOR, None, None)
    assert fg == (127.5, 127.5, 127.5)
    assert is_text("a") and is_text("●") and is_text("▲") and is_text("✓")
    assert not any(is_text(c) for c in " ▀█▌│╭─⠁")


# -- the dashboard ------------------------------------------------------------------------------


@pytest.fixture
def terminal(monkeypatch, request):
    """The colour mode ``request.param`` (a key of ``MODES``), set up as a user's terminal
    would be: TERM, COLORTERM and NO_COLOR, read when the app starts."""
    (term, colorterm, no_color), _ = MODES[request.param]
    monkeypatch.setenv("TERM", term)
    for name, value in (("COLORTERM", colorterm), ("NO_COLOR", "1" if no_color else None)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return request.param


def dashboard(dataset: str) -> SoftmaxApp:
    name = "blobs" if dataset == "blobs10" else dataset
    return SoftmaxApp(build_session(parse_options(["--paused", "--dataset", name, *DATASETS[dataset]])))


def one_point_per_class(app) -> list[int]:
    """A drawn training point of each class, in class order."""
    screen = app.dashboard
    labels = screen.session.prepared.y_train
    first: dict[int, int] = {}
    for index in screen.map_view.drawn.tolist():
        first.setdefault(int(labels[index]), index)
    return [first[k] for k in sorted(first)]


async def select(pilot, index: int) -> None:
    """Select training point ``index`` as a click on the map does."""
    decision_map = pilot.app.dashboard.decision_map
    decision_map.post_message(DecisionMap.PointSelected(decision_map, index))
    await pilot.pause()
    await pilot.pause()


@pytest.mark.parametrize("terminal", list(MODES), indirect=True)
@pytest.mark.parametrize("dataset", list(DATASETS))
async def test_every_text_reads_in_every_colour_mode_and_theme(terminal, dataset, live):
    """Every run of text on the dashboard (the four panels, their titles and legends, the
    status bar, the footer) reaches 4.5:1, with the selection on a point of each class in
    turn (its class name highlighted), in the dark theme the app starts in and after
    switching to the light one; the class names are among the runs checked."""
    app = dashboard(dataset)
    async with app.run_test(size=SIZE) as pilot:
        assert app.console.color_system == MODES[terminal][1] and app.no_color == (terminal == "no-color")
        for _ in range(3):
            await pilot.press("n")
        await live.loss_plot_caught_up(pilot)
        names = app.dashboard.session.class_names
        for theme in THEMES:
            app.theme = theme
            await pilot.pause()
            await live.loss_plot_caught_up(pilot)
            for index in one_point_per_class(app):
                await select(pilot, index)
                failures = unreadable(app)
                assert not failures, f"{theme}, point {index}:\n" + "\n".join(failures)
            texts = " ".join(run.text for run in screen_runs(app))
            assert all(f"{k + 1} {name[:3]}" in texts for k, name in enumerate(names))


# -- class names in the map's hues ----------------------------------------------------------------


BLACK, WHITE = (0, 0, 0), (255, 255, 255)


def class_label_colour(app, k: int) -> tuple[int, int, int]:
    """The colour class ``k``'s name is shown in, in the Jacobian: the one of its text and
    background that is neither the panel's background nor black or white (a name drawn as
    text on the panel, as a tag on its colour or highlighted)."""
    jacobian = app.dashboard.jacobian
    panel_bg = shown(jacobian.rich_style.bgcolor, SYSTEMS[app.console.color_system], BLACK)
    pattern = re.compile(rf"{k + 1} \S")
    for run in screen_runs(app):
        if jacobian.region.contains(run.x, run.y) and pattern.match(run.text):
            (colour,) = {run.fg, run.bg} - {panel_bg, BLACK, WHITE}
            return colour
    raise AssertionError(f"class {k + 1}'s name is not in the Jacobian")


def map_glyph_colour(app, k: int) -> tuple[int, int, int]:
    """The colour of class ``k``'s points on the map (the background of its glyph)."""
    region = app.dashboard.decision_map.content_region
    glyph = palette.GLYPHS[k]
    for run in screen_runs(app):
        if region.contains(run.x, run.y) and run.text.strip(glyph) == "" and run.bg not in (BLACK, WHITE):
            return run.bg
    raise AssertionError(f"no point of class {k + 1} on the map")


@pytest.mark.parametrize("terminal", ["ansi16"], indirect=True)
async def test_sixteen_colours_name_each_class_in_its_colour_on_the_map(terminal, live):
    """With 16 colours, each class's name in the Jacobian is in the ANSI colour of its points
    on the map (green for rgb20's second class, not the grey Rich's downgrade of Tol's green
    gave); after switching to the light theme, in the same hue (normal or bright)."""
    app = dashboard("rgb20")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        numbers = {tuple(rgb): n for n, rgb in enumerate(palette.ANSI_RGB.tolist())}
        for k in range(3):
            assert class_label_colour(app, k) == map_glyph_colour(app, k)
        assert numbers[class_label_colour(app, 1)] == 10  # bright green
        app.theme = "textual-light"
        await pilot.pause()
        await pilot.pause()
        for k in range(3):
            assert numbers[class_label_colour(app, k)] % 8 == numbers[map_glyph_colour(app, k)] % 8


# -- the theme, everywhere ------------------------------------------------------------------------


async def screen_after(pilot, live, theme: str) -> list[Run]:
    """The screen one step in, once the app is in ``theme`` and every panel has redrawn."""
    app = pilot.app
    app.theme = theme
    await pilot.pause()
    await live.loss_plot_caught_up(pilot)
    return screen_runs(app)


@pytest.mark.parametrize("terminal", ["truecolor"], indirect=True)
async def test_every_panel_follows_a_theme_switch(terminal, live):
    """Switched to textual-light after a step, the dashboard looks exactly as one that was
    in textual-light from the start (the Parameters labels and the status bar's speed
    stayed in textual-dark's #e0e0e0), and switched back, as one that never left
    textual-dark."""
    screens = {}
    for themes in (["textual-light"], ["textual-dark", "textual-light", "textual-dark"]):
        app = dashboard("rgb20")
        app.theme = themes[0]
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n")
            for theme in themes:
                screens.setdefault(theme, []).append(await screen_after(pilot, live, theme))
    light_from_start, light_switched = screens["textual-light"]
    dark_from_start, dark_switched_back = screens["textual-dark"]
    assert light_switched == light_from_start
    assert dark_switched_back == dark_from_start
