"""The explorer's server, driven over HTTP: the real app on a free port of 127.0.0.1."""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

import optviz as ov
from optviz import cli
from optviz.explore import api, initial_state
from optviz.explore.server import MAX_BODY, Explorer
from optviz.util.toml_write import dumps

RACE = {
    "surface": "rosenbrock",
    "optimizers": ["adam:lr=0.1", "momentum:lr=0.001,momentum=0.9", "rmsprop:lr=0.01"],
    "start": [-1.2, 1.5],
    "steps": 120,
    "schedule": "cosine",
    "noise": "grad=0.3",
    "seed": 7,
}


@pytest.fixture(scope="module")
def served():
    explorer = Explorer(initial_state("rosenbrock"), port=0)
    base = f"http://127.0.0.1:{explorer.port}"
    headers = {"X-Optviz-Token": explorer.token}
    with explorer.in_background() as thread, httpx.Client(base_url=base, headers=headers) as client:
        _wait_until_up(client)
        yield explorer, client
    assert not thread.is_alive()


def _wait_until_up(client: httpx.Client) -> None:
    for _ in range(200):
        try:
            client.get("/api/init")
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise AssertionError("the explorer did not start")


def test_run_answers_what_optviz_run_computes(served):
    _, client = served
    response = client.post("/api/run", json=RACE)
    assert response.status_code == 200, response.text
    runs = response.json()["runs"]
    assert [r["optimizer"] for r in runs] == RACE["optimizers"]  # in the order asked
    for spec, answer in zip(RACE["optimizers"], runs, strict=True):
        t = ov.run(
            "rosenbrock", spec, start=RACE["start"], steps=120, schedule="cosine",
            noise="grad=0.3", seed=7,
        )  # fmt: skip
        assert np.array_equal(np.array(answer["xy"]), t.xy)  # bit for bit, through JSON
        assert np.array_equal(np.array(answer["loss"]), t.loss)
        assert answer["label"] == t.label
        assert answer["diverged_at"] is None


def test_a_diverging_run_is_data_with_no_nan_in_the_json(served):
    _, client = served
    body = {"surface": "quadratic", "optimizers": ["gd:lr=5"], "start": [1, 1], "steps": 400}
    response = client.post("/api/run", json=body)
    run = response.json()["runs"][0]
    t = ov.run("quadratic", "gd:lr=5", start=[1, 1], steps=400)
    assert run["diverged_at"] == int(t.diverged_at) > 0
    assert "NaN" not in response.text and "Infinity" not in response.text


def test_the_surface_picture_maps_pixels_to_positions_by_its_extent(served):
    _, client = served
    view = client.post("/api/surface", json={"surface": "quadratic", "domain": [-3, 1, -1, 3]})
    assert view.status_code == 200, view.text
    info = view.json()
    assert info["domain"] == [-3.0, 1.0, -1.0, 3.0]
    png = base64.b64decode(info["image"].split(",", 1)[1])
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"), float)
    assert image.shape == (info["height"], info["width"])
    # the light theme draws low ground dark: the darkest pixels sit at the minimum (0, 0)
    rows, cols = np.nonzero(image <= image.min() + 2)
    x0, x1, y0, y1 = info["domain"]
    x = x0 + (cols.mean() + 0.5) / info["width"] * (x1 - x0)
    y = y1 - (rows.mean() + 0.5) / info["height"] * (y1 - y0)
    assert abs(x) < 0.1 and abs(y) < 0.1


def test_the_scene_download_renders_the_same_race_with_optviz_scene(served, tmp_path, capsys):
    _, client = served
    body = {**RACE, "steps": 30}
    response = client.post("/api/scene", json=body)
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    path = tmp_path / "view.toml"
    scene = tomllib.loads(response.text)
    (render,) = scene["render"]
    render.update(size="small", dpi=30, fps=5, duration=1, hold=0)  # the same race, drawn small
    path.write_text(dumps(scene))
    runs = client.post("/api/run", json=body).json()["runs"]
    for answer, t in zip(runs, ov.load_scene(path).race(), strict=True):
        assert np.array_equal(np.array(answer["xy"]), t.xy)
    assert cli._main(["scene", str(path), "-q"]) == 0
    gif = tmp_path / "rosenbrock_explore.gif"
    assert Image.open(gif).n_frames >= 5  # fps 5 x duration 1, plus any held frames


def test_png_and_gif_downloads_are_images_made_in_memory(served, tmp_path, monkeypatch):
    _, client = served
    monkeypatch.chdir(tmp_path)
    body = {"surface": "saddle", "optimizers": ["gd:lr=0.05"], "steps": 20, "theme": "dark"}
    png = client.post("/api/png", json=body, timeout=60)
    gif = client.post("/api/gif", json=body, timeout=60)
    assert Image.open(io.BytesIO(png.content)).format == "PNG"
    assert Image.open(io.BytesIO(gif.content)).n_frames > 10
    assert list(tmp_path.iterdir()) == []  # nothing written where the server runs


BAD = [
    ("unknown surface", {"surface": "rosenbrok"}, "unknown surface 'rosenbrok'; did you mean"),
    ("unknown optimizer", {"surface": "saddle", "optimizers": ["adm"]}, "unknown optimizer"),
    ("unknown field", {"surface": "saddle", "lr": 3}, "unknown field 'lr'"),
    ("huge steps", {"surface": "saddle", "steps": 10**6}, "at most 5000"),
    ("too much work", {"surface": "saddle", "optimizers": ["gd"] * 8, "steps": 5000}, "at most"),
    ("unsafe expression", {"expr": "__import__('os').system('x')"}, "not allowed"),
    ("bad domain", {"expr": "x*y", "domain": [1, 0, 0, 1]}, "domain"),
    ("steps not a number", {"surface": "saddle", "steps": "many"}, "steps: must be a whole"),
    ("not an object", [1, 2], "must be a JSON object"),
]


@pytest.mark.parametrize("what, body, message", BAD, ids=[b[0] for b in BAD])
def test_bad_requests_get_400_and_one_line(served, what, body, message):
    _, client = served
    response = client.post("/api/run", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert message in error and "\n" not in error
    assert client.post("/api/run", json={"surface": "saddle", "steps": 5}).status_code == 200


def test_a_nan_start_and_a_body_that_is_not_json_are_refused(served):
    _, client = served
    nan = client.post("/api/run", content=b'{"surface": "saddle", "start": [NaN, 0]}')
    assert nan.status_code == 400 and "start: must be a list of finite numbers" in nan.text
    garbage = client.post("/api/run", content=b"{surface")
    assert garbage.status_code == 400 and "not JSON" in garbage.json()["error"]


def test_the_api_and_the_command_line_say_the_same(served, capsys):
    _, client = served
    error = client.post("/api/run", json={"surface": "saddle", "optimizers": ["adm"]})
    code = cli._main(["race", "saddle", "-O", "adm", "-o", "never.gif", "-q"])
    line = capsys.readouterr().err.strip()
    assert code == 2
    # the CLI names the flag (-O/--optimizer), the API the request's key (optimizers)
    assert line.split(": ", 3)[3] == error.json()["error"].split(": ", 1)[1]


def test_token_host_and_size_are_checked_before_any_work(served):
    explorer, client = served
    url = f"http://127.0.0.1:{explorer.port}"
    assert httpx.post(f"{url}/api/run", json=RACE).status_code == 403  # no token
    wrong = httpx.post(f"{url}/api/run", json=RACE, headers={"X-Optviz-Token": "guess"})
    assert wrong.status_code == 403 and "token" in wrong.json()["error"]
    assert httpx.get(f"{url}/?token=guess").status_code == 403
    rebound = client.post("/api/run", json=RACE, headers={"Host": "evil.example:80"})
    assert rebound.status_code == 403 and "Host" in rebound.json()["error"]
    local = client.post(
        "/api/run", json={"surface": "saddle"}, headers={"Host": f"localhost:{explorer.port}"}
    )
    assert local.status_code == 200
    big = client.post("/api/run", content=b"[" + b"0," * MAX_BODY + b"0]")
    assert big.status_code == 413 and "bytes" in big.json()["error"]

    def chunks():  # no Content-Length: counted while read
        for _ in range(MAX_BODY // 1000 + 2):
            yield b" " * 1000

    assert client.post("/api/run", content=chunks()).status_code == 413
    assert client.post("/api/run", json={"surface": "saddle"}).status_code == 200


def test_the_page_sets_a_cookie_for_its_own_files_only(served):
    explorer, _ = served
    base = f"http://127.0.0.1:{explorer.port}"
    with httpx.Client(base_url=base) as browser:
        assert browser.get("/static/explorer.js").status_code == 403
        page = browser.get(f"/?token={explorer.token}")
        assert page.status_code == 200 and "explorer.js" in page.text
        script = browser.get("/static/explorer.js")
        assert script.status_code == 200 and "export" in script.text
        assert browser.get("/static/../server.py").status_code in (403, 404)
        # the cookie opens files, not the API: a cross-site form cannot run anything
        assert browser.post("/api/run", json={"surface": "saddle"}).status_code == 403


def test_unknown_paths_and_methods_answer_json(served):
    _, client = served
    assert client.get("/api/nothing").json()["error"].startswith("no such page")
    assert client.get("/api/run").status_code == 405


def test_200_concurrent_requests_from_8_clients_all_succeed(served):
    explorer, _ = served

    def client_session(k: int) -> list[int]:
        headers = {"X-Optviz-Token": explorer.token}
        with httpx.Client(base_url=f"http://127.0.0.1:{explorer.port}", headers=headers) as c:
            body = {"surface": "himmelblau", "optimizers": ["adam:lr=0.1"], "steps": 30}
            return [
                c.post("/api/run", json={**body, "start": [k - 4.0, j / 5 - 2]}).status_code
                for j in range(25)
            ]

    with ThreadPoolExecutor(8) as pool:
        codes = [c for session in pool.map(client_session, range(8)) for c in session]
    assert len(codes) == 200 and set(codes) == {200}


def test_init_gives_the_catalog_and_the_starting_view(served):
    _, client = served
    init = client.get("/api/init").json()
    assert "rosenbrock" in [s["name"] for s in init["catalog"]["surfaces"]]
    adam = next(o for o in init["catalog"]["optimizers"] if o["name"] == "adam")
    assert adam["defaults"]["beta1"] == 0.9 and adam["main"] == ["beta1", "beta2"]
    assert init["state"]["surface"] == "rosenbrock"


def test_a_scene_file_opens_as_its_first_start():
    path = Path(ov.__file__).parent.parent / "gallery" / "rosenbrock_race.toml"
    state = initial_state(str(path))
    scene = ov.load_scene(path)
    payload = api.run_request({k: v for k, v in state.items() if v is not None})
    for answer, t in zip(payload["runs"], scene.race(), strict=True):
        assert np.array_equal(np.array(answer["xy"]), t.xy)


def test_the_command_serves_until_ctrl_c_then_exits_cleanly():
    process = subprocess.Popen(
        [sys.executable, "-m", "optviz.cli", "explore", "quadratic", "--no-browser"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        for _ in range(100):
            try:
                assert httpx.get(url).status_code == 200
                break
            except httpx.TransportError:
                time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        code = process.wait(timeout=10)
        assert time.monotonic() - started < 5
        assert code == 0, process.stderr.read()
    finally:
        process.kill()


def test_without_the_web_stack_the_command_says_how_to_get_it(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now fails
    code = cli._main(["explore", "quadratic", "--no-browser"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and err.count("\n") == 0
    assert 'pip install "optviz[explore]"' in err


@pytest.mark.parametrize(
    "args, flag",
    [
        (["quadratic", "--steps", "-3"], "--steps: must be a whole number"),
        (["--expr", "x**2", "--domain", "a,b"], "--domain: must be numbers"),
        (["quadratic", "--start", "1"], "--start: must be [x, y], not 1 number"),
        (["quadratic", "-O", "adm"], "-O/--optimizer: unknown optimizer 'adm'"),
    ],
)
def test_a_bad_first_view_fails_before_serving_naming_the_flag(capsys, args, flag):
    assert cli._main(["explore", *args, "--no-browser"]) == 2
    assert flag in capsys.readouterr().err


def test_the_api_body_is_the_scene_dict_the_docs_show():
    text, name = api.scene_request({**RACE, "title": 'A "quoted" title'})
    assert name == "rosenbrock_explore.toml"

    data = tomllib.loads(text)
    assert data["title"] == 'A "quoted" title'
    assert data["run"]["starts"] == RACE["start"] and data["optimizers"] == RACE["optimizers"]
    assert json.dumps(api.scene_dict(RACE)["run"]["steps"]) == "120"


def test_the_page_takes_its_palette_and_line_styles_from_the_static_plots():
    import re

    from optviz.explore import api
    from optviz.render import style
    from optviz.render.line_ends import LINE_COLORS

    drawn = api.catalog()["style"]
    assert drawn["palette"] == list(LINE_COLORS)
    assert len(drawn["palette_dark"]) == len(LINE_COLORS)
    assert [tuple(d) or None for d in drawn["dashes"]] == list(style.LINESTYLES)
    assert len(drawn["markers"]) == len(style.MARKERS)
    script = (Path(api.__file__).parent / "static" / "explorer.js").read_text()
    for shape in drawn["markers"]:
        assert f'"{shape}"' in script  # the page knows how to draw every shape it is sent
    # no colour of its own: a six-digit colour in the script would be a second palette
    assert re.findall(r"#[0-9A-Fa-f]{6}\b", script) == []


def test_a_curve_runs_from_an_x_and_its_picture_maps_pixels_to_x_and_f(served):
    _, client = served
    body = {"surface": "shallow_then_deep", "optimizers": ["momentum:lr=0.01"], "start": [-2.0],
            "steps": 150}  # fmt: skip
    run = client.post("/api/run", json=body).json()["runs"][0]
    t = ov.run("shallow_then_deep", "momentum:lr=0.01", start=[-2.0], steps=150)
    assert np.array_equal(np.array(run["xy"]), t.xy) and t.xy.shape == (151, 1)
    assert np.array_equal(np.array(run["drawn"]), np.column_stack([t.xy[:, 0], t.loss]))
    x = t.xy[:, 0]
    np.testing.assert_allclose(run["slope"], 4 * x**3 - 6 * x - 1, rtol=1e-12)  # f'(x)
    info = client.post("/api/surface", json={"surface": "shallow_then_deep"}).json()
    assert info["kind"] == "curve" and info["start"] == [-2.0] and len(info["domain"]) == 4
    png = base64.b64decode(info["image"].split(",", 1)[1])
    image = np.asarray(Image.open(io.BytesIO(png)).convert("L"), float)
    # the curve is drawn dark: in the column of x = 0.6 (no landmark there) its darkest
    # pixel sits at f(0.6), by the extent the page maps clicks with
    x0, x1, y0, y1 = info["domain"]
    col = round((0.6 - x0) / (x1 - x0) * info["width"] - 0.5)
    row = int(np.argmin(image[:, col]))
    f = y1 - (row + 0.5) / info["height"] * (y1 - y0)
    assert abs(f - float(ov.surface("shallow_then_deep").f([0.6]))) < 2 * (y1 - y0) / info["height"]
    expr = {"expr": "x**4 - 3*x**2 + x", "domain": [-2.2, 2.2], "optimizers": ["gd:lr=0.01"],
            "start": [1.0], "steps": 5}  # fmt: skip
    assert client.post("/api/run", json=expr).json()["surface"]["kind"] == "curve"
    wrong = client.post("/api/run", json={**body, "start": [-2.0, 0.5]})
    assert wrong.status_code == 400 and "curve" in wrong.json()["error"]
