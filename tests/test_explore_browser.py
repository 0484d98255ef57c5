"""The explorer's page in a real headless Chromium (Debian's package, driven by Playwright).

No browser, no pass: these tests fail when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import time
import tomllib

import numpy as np
import pytest
from playwright.sync_api import sync_playwright

import optviz as ov
from optviz import cli
from optviz.explore import initial_state
from optviz.explore.server import Explorer
from optviz.render.line_ends import LINE_COLORS, identity_slots
from optviz.render.style import PALETTE
from optviz.util.toml_write import dumps

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
OPTIMIZERS = ["gd:lr=0.001", "momentum:lr=0.001", "adam:lr=0.1"]


@pytest.fixture(scope="module")
def explorer():
    served = Explorer(initial_state("rosenbrock", OPTIMIZERS, steps=150), port=0)
    with served.in_background():
        yield served


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, explorer):
    context = browser.new_context(viewport={"width": 1600, "height": 1000}, accept_downloads=True)
    context.set_default_timeout(90_000)  # a busy machine is slow, not broken
    page = context.new_page()
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.goto(explorer.url)
    _wait_for_runs(page)
    yield page
    context.close()


def _wait_for_runs(page, previous: str | None = None) -> dict:
    """The model's result once it is there (and differs from ``previous``)."""
    page.wait_for_function(
        "prev => { const m = window.optvizModel; return m && m.get('result') && !m.get('busy')"
        " && JSON.stringify(m.get('result')) !== prev; }",
        arg=previous or "",
        timeout=90_000,
    )
    return page.evaluate("() => window.optvizModel.get('result')")


def _lr(spec: str) -> float:
    return float(spec.split("lr=")[1].split(",")[0])


def _settled(page, asked: list) -> float | None:
    """Adam's rate in the shown result once the page is idle and shows the rate of the
    last request it sent (``asked``, filled by a request listener)."""
    shown = page.evaluate(  # a call into the page also lets Playwright deliver the events
        "() => { const m = window.optvizModel; return m.get('busy') ? null"
        " : m.get('result').runs[2].optimizer; }"
    )
    if not (shown and asked):
        return None
    return _lr(shown) if np.isclose(_lr(shown), _lr(asked[-1]["optimizers"][2])) else None


def _until(condition, timeout: float = 90.0):
    """Poll ``condition`` until it is truthy (a busy machine is slow, not broken)."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        assert time.monotonic() < deadline, "the page did not settle in time"
        time.sleep(0.1)
    return value


# Reading the canvas happens in the page: only small summaries cross to Python.
_SUMMARY = """([colors]) => {
  const c = document.querySelector('#plot');
  const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let hash = 0, grey = 0;
  const near = colors.map(() => 0);
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
    hash = (hash * 31 + r + 7 * g + 13 * b) >>> 0;
    if (data[i + 3] === 255 && Math.max(r, g, b) - Math.min(r, g, b) < 6) grey += 1;
    colors.forEach(([cr, cg, cb], k) => {
      if (Math.abs(r - cr) + Math.abs(g - cg) + Math.abs(b - cb) < 30) near[k] += 1;
    });
  }
  return { hash, grey: grey / (data.length / 4), near };
}"""


def _summary(page, colors=()) -> dict:
    """A hash of the plot's pixels, its share of grey pixels and pixel counts near colors."""
    return page.evaluate(_SUMMARY, [list(colors)])


def _digest(page) -> int:
    return _summary(page)["hash"]


def _to_screen(page, x: float, y: float) -> tuple[float, float]:
    """Page coordinates of the data point (x, y) on the plot."""
    return tuple(
        page.evaluate(
            "([x, y]) => { const c = document.querySelector('#plot').getBoundingClientRect();"
            " const ui = window.optvizUi; const g = ui.geo;"
            " return [c.left + g.px(x), c.top + g.py(y)]; }",
            [x, y],
        )
    )


def test_the_page_loads_clean_and_draws_the_surface_and_every_path(page, tmp_path):
    result = page.evaluate("() => window.optvizModel.get('result')")
    assert [r["optimizer"] for r in result["runs"]] == OPTIMIZERS
    # each optimizer in its colour of the saved figures (line_ends' identity), sent by the server
    first_three = [LINE_COLORS[k] for k in identity_slots([o.split(":")[0] for o in OPTIMIZERS])]
    assert [r["look"] for r in result["runs"]] == identity_slots(["gd", "momentum", "adam"])
    strokes = (
        "() => [...document.querySelectorAll('#legend line')].map(l => l.getAttribute('stroke'))"
    )
    assert page.evaluate(strokes) == list(first_three)
    palette = [[int(h[i : i + 2], 16) for i in (1, 3, 5)] for h in first_three]
    summary = _summary(page, palette)
    assert summary["grey"] > 0.3  # the contours fill the plot
    assert min(summary["near"]) > 100, summary["near"]  # each optimizer's path and ball
    assert page.locator("#legend .entry").count() == 3
    page.screenshot(path=str(tmp_path / "light.png"))
    page.click("#theme")
    page.wait_for_function("() => window.optvizModel.get('view').theme === 'dark'", timeout=90_000)
    assert page.evaluate("() => document.documentElement.dataset.theme") == "dark"
    page.screenshot(path=str(tmp_path / "dark.png"))
    assert page.problems == []


def test_a_click_runs_from_the_clicked_start_and_redraws(page):
    before = page.evaluate("() => JSON.stringify(window.optvizModel.get('result'))")
    picture = _digest(page)
    x, y = _to_screen(page, 0.5, 2.0)
    with page.expect_request("**/api/run") as request:
        page.mouse.click(x, y)
    start = request.value.post_data_json["start"]
    assert np.allclose(start, [0.5, 2.0], atol=0.02)
    result = _wait_for_runs(page, before)
    for run, spec in zip(result["runs"], OPTIMIZERS, strict=True):
        t = ov.run("rosenbrock", spec, start=start, steps=150)
        assert np.array_equal(np.array(run["xy"]), t.xy)
    assert _digest(page) != picture
    assert page.problems == []


def test_the_keyboard_moves_a_learning_rate_slider_and_the_plot_follows(page):
    picture = _digest(page)
    asked = []
    page.on("request", lambda r: "/api/run" in r.url and asked.append(r.post_data_json))
    slider = page.locator(".row").nth(2).locator("input.lr")  # adam's
    slider.focus()
    for _ in range(30):
        page.keyboard.press("ArrowLeft")
    # the page debounces: wait for the answer to the last request it sent, however slow
    last = _until(lambda: _settled(page, asked))
    assert asked[-1]["optimizers"][2].startswith("adam:lr=") and last < 0.1
    assert _until(lambda: _digest(page) != picture)
    # space plays: the shown step moves
    page.locator("#plot").focus()
    page.keyboard.press("Home")
    page.keyboard.press("Space")
    page.wait_for_function(
        "() => Number(document.querySelector('#scrub').value) > 0", timeout=90_000
    )
    assert page.problems == []


def test_the_scene_button_downloads_a_file_that_renders(page, tmp_path, capsys):
    with page.expect_download() as download:
        page.click("#download-scene")
    path = tmp_path / "view.toml"
    download.value.save_as(path)
    scene = ov.load_scene(path)
    result = page.evaluate("() => window.optvizModel.get('result')")
    for run, t in zip(result["runs"], scene.race(), strict=True):
        assert np.array_equal(np.array(run["xy"]), t.xy)
    data = tomllib.loads(path.read_text())
    (render,) = data["render"]
    render.update(size="small", dpi=30, fps=4, duration=1, hold=0)  # the same race, drawn small
    path.write_text(dumps(data))
    assert cli._main(["scene", str(path), "-q"]) == 0
    assert (tmp_path / "rosenbrock_explore.gif").stat().st_size > 1000


LOSS_RANGES = [  # (lo, hi, log): lo and hi in log10 units on a log axis
    (-0.02, 0.03, True),  # a span under a decade around 1: once a lone "1e0"
    (0.1, 0.5, True),
    (-3.2, -2.9, True),
    (0.0, 0.01, True),  # a few percent of a decade: evenly spaced values
    (-6.0, 2.0, True),
    (-1.5, 0.7, True),
    (0.999, 1.001, False),
    (0.0, 1e-9, False),
    (-5.0, 2500.0, False),
]


def test_the_loss_axis_has_three_readable_ticks_whatever_the_range(page):
    ticks = page.evaluate(
        "async ranges => { const m = await import('/static/explorer.js');"
        " return ranges.map(([lo, hi, log]) => m.lossTicks(lo, hi, log)); }",
        [list(r) for r in LOSS_RANGES],
    )
    for (lo, hi, log), found in zip(LOSS_RANGES, ticks, strict=True):
        at = np.array([t["at"] for t in found])
        labels = [t["label"] for t in found]
        assert 3 <= len(found) <= 9, (lo, hi, labels)
        assert (at >= lo - 1e-9).all() and (at <= hi + 1e-9).all()  # on the axis
        assert (np.diff(at) > 0).all() and len(set(labels)) == len(labels)  # apart, distinct
        for a, label in zip(at, labels, strict=True):  # each label names its place
            value = 10.0**a if log else a
            assert float(label) == pytest.approx(value, rel=0.02, abs=1e-12), (label, value)


def _readout(page) -> str:
    return page.evaluate("() => document.querySelector('#readout').textContent")


def test_the_readout_follows_the_step_once_the_pointer_leaves_the_plot(page):
    steps = page.evaluate("() => window.optvizUi.steps()")
    x, y = _to_screen(page, 0.0, -0.5)  # on the surface, away from every path
    page.mouse.move(x, y)
    assert "click or drag to start here" in _readout(page)
    page.mouse.move(5, 5)  # off the plot, onto the page's margin
    at_end = _readout(page)
    assert "click or drag" not in at_end and f"step {steps}" in at_end
    page.locator("#plot").focus()
    page.keyboard.press("Home")  # the step changes: so does the readout, as the legend says
    at_start = _readout(page)
    assert at_start.count("step 0 ·") == len(OPTIMIZERS) and at_start != at_end
    assert page.problems == []


def test_at_1280x720_the_loss_panel_and_the_play_bar_fit_beside_the_plot(
    browser, explorer, tmp_path
):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(90_000)
    page = context.new_page()
    page.goto(explorer.url)
    _wait_for_runs(page)
    page.wait_for_timeout(300)  # the layout settles with the first frames
    box = {
        name: page.locator(f"#{name}").bounding_box()
        for name in ("plot", "loss", "play", "scrub", "readout", "legend")
    }
    page.screenshot(path=str(tmp_path / "explorer_1280x720.png"))
    context.close()
    for name in ("loss", "play", "scrub", "readout"):  # above the fold, nothing to scroll
        assert box[name]["y"] + box[name]["height"] <= 720, (name, box[name])
    plot, loss = box["plot"], box["loss"]
    gap = loss["x"] - (plot["x"] + plot["width"])
    assert 0 <= gap <= 40  # the loss panel beside the plot, not below it past an empty gap
    assert loss["y"] < plot["y"] + plot["height"]
    assert loss["height"] >= 200 and loss["width"] >= 300  # large enough to read
    assert plot["height"] >= 400  # and the plot takes the height there is


def test_the_html_player_shows_each_frame_exactly_also_after_a_jump_back(browser, tmp_path):
    # the player (optviz race -o race.html) draws changed rectangles over the frame before
    from optviz.render.gif import make_palette
    from optviz.render.writers import save_frames

    rng = np.random.default_rng(3)
    frames = [np.full((40, 56, 3), 200, np.uint8)]
    for k in range(1, 7):  # a square moving over a few random pixels that change too
        frame = frames[-1].copy()
        frame[10:20, 5 * k : 5 * k + 10] = PALETTE_RGB[k % 3]
        frame[rng.integers(0, 40), rng.integers(0, 56)] = (0, 0, 0)
        frames.append(frame)
    palette = make_palette(frames[0], [*PALETTE_RGB, (0, 0, 0)])  # every colour shown
    out = save_frames(tmp_path / "player.html", iter(frames), fps=10, palette=palette)
    context = browser.new_context()
    page = context.new_page()
    page.goto(out.as_uri())
    page.wait_for_function("() => document.querySelector('#frame').dataset.ready")
    page.evaluate("() => pause()")
    for i in [6, 2, 0, 5, 1, 6]:
        shown = page.evaluate(
            "i => { show(i); const c = document.querySelector('#frame');"
            " return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data); }",
            i,
        )
        rgba = np.array(shown, np.uint8).reshape(40, 56, 4)
        np.testing.assert_array_equal(rgba[..., :3], frames[i])
    context.close()


PALETTE_RGB = [tuple(int(h[i : i + 2], 16) for i in (1, 3, 5)) for h in PALETTE[:3]]


def test_a_curve_is_drawn_from_the_side_and_a_click_on_it_starts_there(page):
    before = page.evaluate("() => JSON.stringify(window.optvizModel.get('result'))")
    page.select_option("#surface", "shallow_then_deep")
    page.wait_for_function("() => window.optvizModel.get('view').kind === 'curve'", timeout=90_000)
    _wait_for_runs(page, before)
    before = page.evaluate("() => JSON.stringify(window.optvizModel.get('result'))")
    x = -0.5
    sx, sy = _to_screen(page, x, float(ov.surface("shallow_then_deep").f([x])))
    with page.expect_request("**/api/run") as request:
        page.mouse.click(sx, sy)
    start = request.value.post_data_json["start"]
    assert len(start) == 1 and abs(start[0] - x) < 0.02  # a curve's start is its x
    result = _wait_for_runs(page, before)
    for run, spec in zip(result["runs"], OPTIMIZERS, strict=True):
        t = ov.run("shallow_then_deep", spec, start=start, steps=150)
        assert np.array_equal(np.array(run["xy"]), t.xy)
    assert page.problems == []
