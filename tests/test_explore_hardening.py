"""The explorer under hostile or careless input, over HTTP on the real server: every
answer is 2xx or a 4xx with a one-line JSON error (never a 500), symbolic work is bounded
in the request threads as on the command line, and a slow request holds up no other."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from urllib.parse import quote

import httpx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optviz import cli
from optviz.catalog import compile_cache, compiling, expressions
from optviz.explore import api, initial_state
from optviz.explore.server import STATIC, Explorer
from tests.test_explore_api import _wait_until_up

SLOW = "sinh(((x-y)**30-sqrt(y)**7)**9)"
"""sympy's assumptions expand a polynomial of degree 270 to differentiate this: minutes
and gigabytes, unless the bound on symbolic work stops it."""


@pytest.fixture(scope="module")
def served():
    explorer = Explorer(initial_state("quadratic"), port=0)
    base = f"http://127.0.0.1:{explorer.port}"
    headers = {"X-Optviz-Token": explorer.token}
    with (
        explorer.in_background(),
        httpx.Client(base_url=base, headers=headers, timeout=60) as client,
    ):
        _wait_until_up(client)
        yield explorer, client


def _refused(response: httpx.Response) -> str:
    """The one-line error of a 4xx answer (failing on anything else)."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    error = response.json()["error"]
    assert isinstance(error, str) and error and "\n" not in error
    assert "internal error" not in error
    return error


SURROGATE = '"\\ud800"'  # JSON's spelling of a lone UTF-16 surrogate
LONE_SURROGATES = [
    ("/api/run", '{"surface": "rosenbrock", "optimizers": [%s]}', "optimizers[0]"),
    ("/api/run", '{"surface": "rosenbrock", "schedule": %s}', "schedule"),
    ("/api/run", '{"surface": %s}', "surface"),
    ("/api/scene", '{"surface": "rosenbrock", "optimizers": [%s]}', "optimizers[0]"),
    ("/api/scene", '{"surface": "rosenbrock", "title": %s}', "title"),
    ("/api/scene", '{"surface": %s}', "surface"),
    ("/api/png", '{"surface": "rosenbrock", "title": %s, "steps": 5}', "title"),
    ("/api/png", '{"surface": "rosenbrock", "schedule": %s, "steps": 5}', "schedule"),
    ("/api/surface", '{"surface": "rosenbrock", "expr": null, "domain": [%s]}', "domain[0]"),
    ("/api/run", '{"surface": "saddle", %s: 1}', "a key"),
]


@pytest.mark.parametrize("path, body, where", LONE_SURROGATES)
def test_a_lone_surrogate_anywhere_is_refused_naming_where(served, path, body, where):
    _, client = served
    error = _refused(client.post(path, content=(body % SURROGATE).encode()))
    assert error.startswith(f"{where}: ") and "surrogate" in error


@pytest.mark.parametrize("path", ["/api/png", "/api/scene", "/api/surface", "/api/gif"])
@pytest.mark.parametrize("theme", [[], {}, 3, None, True])
def test_a_theme_that_is_not_a_name_is_refused(served, path, theme):
    _, client = served
    body = {"surface": "rosenbrock", "steps": 5, "theme": theme}
    if theme is None:  # null, as for any key: the default theme (checked where quick)
        if path in ("/api/scene", "/api/surface"):
            assert client.post(path, json=body).status_code == 200
        return
    assert _refused(client.post(path, json=body)).startswith("theme: must be one of light, dark")


def test_a_long_static_name_is_a_404_that_shows_no_path(served):
    _, client = served
    for name in ["a" * 300, "a" * 300 + ".js", "..%2Fserver.py", "%00.js", "explorer.js%00"]:
        response = client.get(f"/static/{name}")
        error = _refused(response)
        assert response.status_code == 404 and error.startswith("no such")
        assert str(STATIC) not in response.text and "/explore/" not in response.text
    assert client.get("/static/explorer.js").status_code == 200


def test_a_nested_schedule_table_is_refused_by_the_api_and_in_a_scene_file(
    served, tmp_path, capsys
):
    _, client = served
    nested = {"name": "warmup", "then": {"name": "cosine"}}
    error = _refused(client.post("/api/run", json={"surface": "saddle", "schedule": nested}))
    assert error.startswith("schedule: ")
    scene = tmp_path / "nested.toml"
    scene.write_text(
        'surface = "saddle"\noptimizers = ["gd"]\n[run.schedule]\nname = "warmup"\n'
        '[run.schedule.then]\nname = "cosine"\n'
    )
    assert cli._main(["scene", str(scene)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "run.schedule" in line and "internal error" not in line
    # a name after the warm-up, as the docs show it, still works
    flat = {"name": "warmup", "then": "cosine"}
    assert client.post("/api/run", json={"surface": "saddle", "schedule": flat}).status_code == 200


@pytest.mark.parametrize(
    "surface", [{"expr": "pi**pi**pi"}, {"surface": "rosenbrock:b=1e12"}, {"expr": "1e11*x"}]
)
def test_surfaces_of_huge_or_constant_values_are_drawn(served, surface):
    _, client = served
    response = client.post("/api/surface", json=surface)
    assert response.status_code == 200, response.text
    assert response.json()["image"].startswith("data:image/png;base64,")


@settings(max_examples=200, deadline=None)
@given(
    st.floats(-1e300, 1e300),
    st.floats(0, 1e3),
    st.integers(2, 40),
    st.booleans(),
)
def test_contour_levels_strictly_increase_whatever_the_values(offset, spread, n, log):
    # values far larger than their spread (1e13 +- 1e-3) merge in float64: matplotlib
    # refuses levels that are not strictly increasing
    from optviz.catalog.library import View
    from optviz.render.plots import levels_of

    class Flat:
        name = "flat"
        view = View(log_levels=log)

    z = offset + spread * np.linspace(0.0, 1.0, 50) ** 3
    levels = levels_of(Flat(), z, n)
    assert len(levels) >= 2 and (np.diff(levels) > 0).all()
    assert levels[0] <= z.min() and levels[-1] >= z.max() or len(levels) == 3


@pytest.mark.parametrize("title", ["$x^{$", "$" + "{" * 150 + "$", "$\\frac{1}$"])
def test_a_title_matplotlib_cannot_read_as_math_is_refused(served, title):
    _, client = served
    body = {"surface": "saddle", "steps": 5, "title": title}
    assert "math text" in _refused(client.post("/api/png", json=body))
    assert client.post("/api/png", json={**body, "title": "cost $x^2$"}).status_code == 200


# -- the bound on symbolic work, in every thread -------------------------------------------------
def test_a_slow_expression_is_refused_and_other_requests_answer_meanwhile(served, monkeypatch):
    _, client = served
    monkeypatch.setattr(expressions, "COMPILE_SECONDS", 1.5)  # the bound, made quick to test
    answers = {}

    def ask(name, path, body):
        answers[name] = client.post(path, json=body)

    slow = threading.Thread(target=ask, args=("slow", "/api/run", {"expr": SLOW}))
    slow.start()
    ask("other", "/api/run", {"expr": "x**2 + 3*y**2 - x*y", "steps": 20})
    ask("booth", "/api/surface", {"surface": "booth", "domain": [-9, 9, -9, 8]})
    slow.join(60)
    assert not slow.is_alive(), "the slow expression was not refused"
    error = _refused(answers["slow"])
    assert "took longer than 1.5 s" in error
    assert answers["other"].status_code == 200 and answers["booth"].status_code == 200
    # asked again, it is refused at once: the refusal is remembered, not worked out again
    again = client.post("/api/run", json={"expr": SLOW, "steps": 10})
    assert "took longer than 1.5 s" in _refused(again)


def test_the_python_api_has_the_same_bound_off_the_main_thread(monkeypatch):
    from optviz.catalog import Surface
    from optviz.util.errors import ExpressionError

    monkeypatch.setattr(expressions, "COMPILE_SECONDS", 1.0)
    caught = []

    def compile_in_a_thread():
        try:
            Surface.from_expr("tanh(((x+y)**30-sqrt(y)**5)**7)")
        except ExpressionError as exc:
            caught.append(str(exc))

    thread = threading.Thread(target=compile_in_a_thread)
    thread.start()
    thread.join(60)
    assert not thread.is_alive() and "took longer than 1 s" in caught[0]


def test_a_surface_used_for_the_first_time_does_not_wait_behind_a_slow_compile(served, monkeypatch):
    # Python 3.11's functools.cached_property took one lock for every Surface: while one
    # expression compiled, no other surface could compile. A compile that waits for the
    # test to let it go stands for a slow one.
    _, client = served
    real = compiling.compile_expr
    entered, release = threading.Event(), threading.Event()

    def compile_expr(expr, *args, **kwargs):
        if "7*y**2" in str(expr):  # the slow one
            entered.set()
            release.wait(60)
        return real(expr, *args, **kwargs)

    monkeypatch.setattr(compiling, "compile_expr", compile_expr)
    compile_cache._compile.cache_clear()
    answers = {}
    slow = threading.Thread(
        target=lambda: answers.setdefault(
            "slow", client.post("/api/surface", json={"expr": "x**2 + 7*y**2"})
        )
    )
    slow.start()
    try:
        assert entered.wait(30)
        # booth, its first use in this process: a new Surface, a new compile
        first_use = client.post(
            "/api/surface", json={"surface": "booth", "domain": [-7, 8, -6, 9]}, timeout=20
        )
        assert first_use.status_code == 200
        assert slow.is_alive()  # the slow compile still runs: booth did not wait for it
    finally:
        release.set()
        slow.join(60)
    assert answers["slow"].status_code == 200


# -- fuzzing ------------------------------------------------------------------------------------
def _json_values() -> st.SearchStrategy:
    text = st.one_of(
        st.text(max_size=12),
        st.sampled_from(["\ud800", "a\udfffb", "$x^{$", "${{{", "", " ", "\x00", "é" * 5]),
    )
    scalars = st.one_of(st.none(), st.booleans(), st.integers(-(10**20), 10**20), st.floats(), text)
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=3),
        max_leaves=8,
    )


PLAUSIBLE = {
    "surface": st.sampled_from(["saddle", "rosenbrock:b=10", "booth", "nope", "himmelblau:a=x"]),
    "expr": st.sampled_from(["x**2 - y**2", "sin(x)*y", "x**", "__import__('os')", "pi**pi"]),
    "domain": st.lists(st.floats(-10, 10), min_size=0, max_size=5),
    "optimizers": st.lists(
        st.sampled_from(["gd", "adam:lr=0.1", "momentum:lr=2", "newton", "sgd:lr=-1", "x:y=z"]),
        max_size=9,
    ),
    "start": st.lists(st.floats(-1e3, 1e3), min_size=0, max_size=3),
    "steps": st.integers(-3, 40),
    "schedule": st.sampled_from(["cosine", "step:step_size=5", "warmup:then=cosine", "bogus"]),
    "noise": st.sampled_from(["grad=0.5", "batch=4", "grad=-1", "nope=1"]),
    "seed": st.integers(-2, 2**64),
    "title": st.sampled_from(["A race", "$x^2$", "$x^{$", "t" * 300]),
    "theme": st.sampled_from(["light", "dark", "sepia"]),
}


@st.composite
def _bodies(draw) -> object:
    if draw(st.integers(0, 9)) == 0:
        return draw(_json_values())  # not even an object
    keys = draw(st.lists(st.sampled_from([*api.FIELDS, "lr", "\ud800"]), unique=True))
    body = {}
    for key in keys:
        plausible = PLAUSIBLE.get(key)
        sane = plausible is not None and draw(st.booleans())
        body[key] = draw(plausible if sane else _json_values())
    return body


FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@FUZZ
@given(st.sampled_from(["/api/run", "/api/surface", "/api/scene", "/api/png"]), _bodies())
def test_fuzzed_bodies_get_an_answer_or_a_one_line_refusal(served, path, body):
    _, client = served
    if path == "/api/png" and isinstance(body, dict):
        body["steps"] = 3  # a still of a few steps: the fuzzing is of what is asked, not cost
    text = json.dumps(body, ensure_ascii=True, allow_nan=True)  # NaN and \ud800 as JSON spells them
    response = client.post(path, content=text.encode())
    if response.status_code != 200:
        _refused(response)


_QUERY = st.lists(
    st.tuples(
        st.sampled_from(["token", "theme", "surface", "x", "%ED%A0%80", "token[]"]),
        st.one_of(st.text(max_size=20), st.sampled_from(["%ED%A0%80", "%00", "%", "a" * 3000])),
    ),
    max_size=4,
)


@FUZZ
@given(
    st.sampled_from(["/", "/static/explorer.js", "/api/init", "/api/run", "/api/nothing"]),
    st.sampled_from(["GET", "POST", "PUT"]),
    _QUERY,
    st.booleans(),
)
def test_fuzzed_query_strings_get_an_answer_or_a_one_line_refusal(
    served, path, method, query, with_token
):
    explorer, client = served
    # as a browser sends them: anything but the already-escaped percent-encoded
    raw = "&".join(f"{k}={quote(v, safe='%')}" for k, v in query)
    headers = {"X-Optviz-Token": explorer.token if with_token else "guess"}
    url = httpx.URL(f"{client.base_url}{path}".rstrip("/") + "/" * path.endswith("/"))
    response = client.request(
        method, url.copy_with(query=raw.encode("utf-8", "surrogatepass")), headers=headers,
        json={"surface": "saddle", "steps": 3} if method != "GET" else None,
    )  # fmt: skip
    if response.status_code >= 300:
        _refused(response)


def test_the_page_and_the_widget_hold_the_declared_view():
    from optviz.explore import widget
    from optviz.scenes.inputs import REQUEST_FIELDS, VIEW

    assert tuple(initial_state("saddle")) == VIEW
    assert widget.INPUTS == VIEW and api.FIELDS == REQUEST_FIELDS
    assert api.catalog()["view"] == list(VIEW)
    script = (Path(api.__file__).parent / "static" / "explorer.js").read_text()
    assert "steps: 200" not in script  # its defaults come from the server's state


def test_the_command_line_names_each_field_as_the_declaration_does():
    from optviz.cli import options, scenes
    from optviz.scenes.inputs import FLAG_OF_KEY, FLAGS

    assert {f: FLAGS[f] for f in options.FLAGS} == options.FLAGS
    assert scenes.EXPLORE_FLAGS == FLAG_OF_KEY


# -- shipped scenes, by name or by their gallery path, from any folder ----------------------------
def test_the_explorer_opens_a_shipped_scene_by_name_or_gallery_path_anywhere(
    tmp_path, monkeypatch, capsys
):
    import optviz as ov
    from optviz.explore import server

    monkeypatch.chdir(tmp_path)  # no gallery/ here: outside a checkout
    by_name = initial_state("rosenbrock_race")
    assert initial_state("gallery/rosenbrock_race.toml") == by_name
    assert initial_state("rosenbrock_race.toml") == by_name
    payload = api.run_request({k: v for k, v in by_name.items() if v is not None})
    for answer, t in zip(payload["runs"], ov.load_scene("rosenbrock_race").race(), strict=True):
        assert np.array_equal(np.array(answer["xy"]), t.xy)
    assert initial_state("long_furrow")["surface"] == "long_furrow"  # a surface's name first
    monkeypatch.setattr(server.Explorer, "run", lambda self: None)  # serve, and stop at once
    for scene in ["rosenbrock_race", "gallery/rosenbrock_race.toml"]:
        assert cli._main(["explore", scene, "--no-browser"]) == 0
        assert capsys.readouterr().out.startswith("http://127.0.0.1:")
    assert cli._main(["explore", "gallery/nothing.toml", "--no-browser"]) == 2
    assert "does not exist" in capsys.readouterr().err
