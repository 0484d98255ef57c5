"""Scene files: one TOML file declares a figure or an animation, and reproduces it.

A scene says which surface, which optimizers, how to run them and what to draw. The
CLI builds the very same :class:`Scene` from its flags, so whatever a command line can
say, a scene file can say too. The full format is in ``docs/scenes.md``; in short::

    title = "Adam vs SGD on Rosenbrock"          # optional; the figure's title

    [surface]                                    # or: surface = "rosenbrock"
    name = "rosenbrock"                          # a catalog name, or
    # expr = "x**2 - y**2"                       # an expression in x and y
    # domain = [-2, 2, -2, 2]                    # (with expr; optional for names)
    params = { b = 100 }

    optimizers = ["adam:lr=0.1", "momentum:lr=0.001,momentum=0.9"]
    # or one table each: [[optimizers]] name = "adam"  lr = 0.1  label = "Adam"

    [run]
    steps = 300
    starts = [[-1.5, 2.5]]                       # one [x, y] or several
    schedule = "cosine"                          # or { name = "step", step_size = 50 }
    noise = "grad=0.5"                           # or { grad = 0.5 }
    seed = 0
    # lr = "tuned"                               # tune each learning rate first

    [render]                                     # or [[render]] several times
    kind = "contour"                             # contour 3d panels show basins sweep
                                                 # tune curvature bands init batchnorm
                                                 # symmetry
    loss = true
    output = "rosenbrock.gif"                    # the extension picks the format

Every field is checked when the file is loaded, and an error names the field::

    scene.toml: field 'run.steps': must be a whole number >= 0, not -3

>>> scene = scene_from_dict({"surface": "quadratic", "optimizers": ["gd:lr=0.1"],
...                          "run": {"steps": 3, "starts": [1, 0]}})
>>> scene.race()[0].xy[:, 0].tolist()
[1.0, 0.8, 0.64, 0.512]
"""

from __future__ import annotations

import functools
import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import OptvizError, ParameterError, SceneError

RACE_KINDS = ("contour", "3d", "panels")
SURFACE_KINDS = ("show", "basins", "sweep", "tune", "curvature", "bands")
NET_KINDS = ("init", "batchnorm", "symmetry", "dropout")
CURVE_KINDS = ("schedules",)  # figures of no surface and no net
KINDS = RACE_KINDS + SURFACE_KINDS + NET_KINDS + CURVE_KINDS
"""Every kind of render a scene can ask for."""

ANIMATION_SUFFIXES = (".gif", ".mp4", ".webp", ".apng", ".html")
IMAGE_SUFFIXES = (".png", ".svg", ".pdf")
OBJECTIVES = ("final", "auc", "steps")
QUANTITIES = ("activations", "gradients")
INIT_VIEWS = ("grid", "summary")
FIELDS = ("quiver", "stream")

TOP_FIELDS = ("title", "description", "surface", "optimizers", "run", "render", "metrics")
SURFACE_FIELDS = ("name", "expr", "params", "domain", "minima", "title")
RUN_FIELDS = ("steps", "starts", "schedule", "noise", "seed", "lr")
COMMON_RENDER = ("kind", "output", "size", "dpi", "theme", "title")
_ANIMATION = ("loss", "fps", "duration", "hold", "trail")
RENDER_FIELDS = {
    "contour": _ANIMATION,
    "3d": (*_ANIMATION, "rotate"),
    "panels": _ANIMATION,
    "show": ("field",),
    "basins": ("n",),
    "sweep": ("lrs", "objective"),
    "tune": ("lrs", "objective"),
    "curvature": ("n",),
    "bands": ("seeds",),
    "init": ("schemes", "activation", "depth", "width", "gain", "quantity", "view", "fps"),
    "batchnorm": ("activation", "scheme", "depth", "width", "lr", "epochs", "batch_size"),
    "symmetry": ("schemes", "activation", "hidden", "lr", "layer"),
    "dropout": ("p", "hidden", "seeds", "activation", "lr"),
    "schedules": ("schedules",),
}
"""Fields each kind of render takes besides ``kind output size dpi theme title``."""

_OPTIMIZER_KINDS = ("basins", "sweep", "tune", "bands")

RENDER_DEFAULTS = {
    "size": "16:9",
    "dpi": 100,
    "theme": "light",
    "title": None,
    "loss": False,
    "fps": 20.0,
    "duration": 6.0,
    "hold": 1.5,
    "rotate": False,
    "trail": True,
    "n": None,
    "lrs": None,
    "objective": "final",
    "seeds": 20,
    "schemes": None,
    "activation": None,
    "depth": None,
    "width": None,
    "gain": 1.0,
    "quantity": "activations",
    "view": "grid",
    "scheme": "xavier_normal",
    "lr": None,
    "epochs": 30,
    "batch_size": 32,
    "hidden": None,
    "layer": 1,
    "p": 0.5,
    "field": None,
    "schedules": None,
}

KIND_DEFAULTS = {
    "init": {"fps": 2.0},  # one layer deeper every half second
    "dropout": {"seeds": 5},  # enough seeds to show the effect is not one lucky draw
}

Progress = Callable[[str, int, int], None]
"""``progress(what, done, total)``: called as a render advances (``total`` 0: unknown)."""


@dataclass(frozen=True)
class Render:
    """One output of a scene: its kind, its file and its (checked) options."""

    kind: str
    output: Path
    options: Mapping[str, Any]

    @property
    def animated(self) -> bool:
        """True when the output's extension asks for an animation."""
        return self.output.suffix.lower() in ANIMATION_SUFFIXES


@dataclass(frozen=True, eq=False)
class Scene:
    """A checked scene: the surface, optimizers, run settings and the renders to make.

    Build one with :func:`load_scene` (a TOML file) or :func:`scene_from_dict`.
    ``render()`` writes every output and returns the paths; ``race()`` runs (once) the
    race the renders share.
    """

    source: str
    title: str | None = None
    description: str = ""
    surface: Any = None
    optimizers: tuple = ()
    labels: tuple = ()
    overrides: tuple = ()
    """Per optimizer, the ``schedule`` / ``noise`` it uses instead of the run's."""
    steps: int | None = None
    starts: Any = None
    schedule: Any = None
    noise: Any = None
    seed: int | None = None
    lr: str | float | None = None
    renders: tuple[Render, ...] = ()
    metrics: Path | None = None
    reports: dict = field(default_factory=dict)
    """Rows an analysis render reported (e.g. the best learning rates), by output path."""

    @functools.cached_property
    def _race(self) -> Any:
        from .racing import race

        if self.surface is None or not self.optimizers:
            raise SceneError(f"{self.source}: a race needs a surface and at least one optimizer")
        kwargs = self.run_options(start=self.starts, schedule=self.schedule, noise=self.noise)
        opts, labels = list(self.optimizers), list(self.labels)
        if self.lr is not None:
            from .analysis import race_optimizers

            opts, chosen = race_optimizers(self.surface, opts, self.lr, **kwargs)
            labels = [mine or theirs for mine, theirs in zip(labels, chosen or labels, strict=True)]
        if any(self.overrides):  # an optimizer with its own schedule or noise
            from .runner import Race, run

            runs = [
                run(self.surface, o, **{**kwargs, **own})
                for o, own in zip(opts, self.overrides, strict=True)
            ]
            result = Race(self.surface, runs)
        else:
            result = race(self.surface, opts, **kwargs)
        trajectories = [
            t if label is None else replace(t, label=label)
            for t, label in zip(result.trajectories, labels, strict=True)
        ]
        return replace(result, trajectories=trajectories)

    def run_options(self, **given: Any) -> dict[str, Any]:
        """``steps`` and ``seed`` (when the scene sets them) and the ``given`` options
        that are not None, as keyword arguments for the API."""
        options = {"steps": self.steps, "seed": self.seed, **given}
        return {k: v for k, v in options.items() if v is not None}

    def race(self) -> Any:
        """The scene's :class:`~optviz.runner.Race` (run on first use, then kept).

        >>> s = scene_from_dict({"surface": "quadratic", "optimizers": ["gd", "adam"]})
        >>> s.race().names
        ['gd(lr=0.01)', 'adam(lr=0.01)']
        """
        return self._race

    @property
    def has_race(self) -> bool:
        """True when a render draws the race (so there is a results table)."""
        return any(r.kind in RACE_KINDS for r in self.renders) or self.metrics is not None

    def table(self) -> list[dict[str, Any]]:
        """The race's results, one row per optimizer (see :meth:`optviz.runner.Race.table`)."""
        return self.race().table()

    def render(self, progress: Progress | None = None) -> list[Path]:
        """Write every output of the scene (atomically) and return their paths.

        >>> import tempfile, pathlib
        >>> out = pathlib.Path(tempfile.mkdtemp()) / "bowl.png"
        >>> s = scene_from_dict({"surface": "quadratic", "render": {"kind": "show",
        ...                      "output": str(out), "size": "small", "dpi": 40}})
        >>> [p.name for p in s.render()]
        ['bowl.png']
        """
        from ._io import check_writable

        for r in self.renders:  # refuse an unwritable path before any work
            check_writable(r.output)
        if self.metrics is not None:
            check_writable(self.metrics)
        written = [_render(self, r, progress) for r in self.renders]
        if self.metrics is not None:
            from .analysis import write_metrics

            write_metrics(self.table(), self.metrics)
            written.append(self.metrics)
        return written


# -- loading ---------------------------------------------------------------------------------
def load_scene(path: str | Path) -> Scene:
    """Read and check a scene file; outputs are relative to the file's folder.

    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "saddle.toml"
    >>> _ = f.write_text('surface = "saddle"\\noptimizers = ["gd"]\\n[run]\\nsteps = -3\\n')
    >>> load_scene(f)
    Traceback (most recent call last):
    optviz.errors.SceneError: saddle.toml: field 'run.steps': must be a whole number >= 0, not -3
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SceneError(f"scene file '{path}' does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SceneError(f"cannot read scene file '{path}': {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SceneError(f"{path.name}: malformed TOML: {exc}") from None
    return scene_from_dict(data, source=path.name, base=path.parent, stem=path.stem)


def scene_from_dict(
    data: Mapping[str, Any],
    source: str = "scene",
    base: str | Path = ".",
    stem: str | None = None,
    flags: Mapping[str, str] | None = None,
) -> Scene:
    """Check a parsed scene (the mapping a TOML file gives) and build the :class:`Scene`.

    ``base``: folder that relative output paths start from. ``stem``: default output
    name (a scene file's name). ``flags``: how to name fields in errors (the CLI maps
    ``run.steps`` to ``--steps``).

    >>> scene_from_dict({"run": {"steps": "many"}}, flags={"run.steps": "--steps"})
    Traceback (most recent call last):
    optviz.errors.SceneError: --steps: must be a whole number >= 0, not 'many'
    """
    return _Builder(source, Path(base), stem, flags if flags is not None else {}).build(data)


def render_scene(scene: Scene | str | Path, progress: Progress | None = None) -> list[Path]:
    """Render a scene (a :class:`Scene` or the path of a scene file); return the outputs.

    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "bowl.png"
    >>> [p.name for p in render_scene(scene_from_dict({"surface": "quadratic",
    ...     "render": {"kind": "curvature", "output": str(out), "n": 20, "size": "small"}}))]
    ['bowl.png']
    """
    if not isinstance(scene, Scene):
        scene = load_scene(scene)
    return scene.render(progress)


# -- checking -----------------------------------------------------------------------------------
@dataclass
class _Builder:
    source: str
    base: Path
    stem: str | None
    flags: Mapping[str, str]
    seen: set = field(default_factory=set)

    def fail(self, name: str, why: str) -> SceneError:
        flag = self.flags.get(name) or self.flags.get(name.split("[")[0])
        if flag:
            return SceneError(f"{flag}: {why}")
        return SceneError(f"{self.source}: field '{name}': {why}")

    def table(self, value: Any, name: str, allowed: Sequence[str]) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(name, f"must be a table, not {value!r}")
        for key in value:
            if key not in allowed:
                what = f"{name}.{key}" if name else key
                raise self.fail(what, f"unknown field; allowed: {', '.join(allowed)}")
        return value

    def build(self, data: Mapping[str, Any]) -> Scene:
        data = self.table(data, "", TOP_FIELDS)
        # a scene file without [render] draws the race as <file name>.gif
        raw_renders = data.get("render", [{}] if self.stem else [])
        if isinstance(raw_renders, Mapping):
            raw_renders = [raw_renders]
        elif not isinstance(raw_renders, list):
            raise self.fail("render", "must be a table or a list of tables")
        kinds = [self.kind(r, i, len(raw_renders)) for i, r in enumerate(raw_renders)]
        needs_surface = any(k in RACE_KINDS + SURFACE_KINDS for k in kinds)
        needs_optimizers = any(k in (*RACE_KINDS, *_OPTIMIZER_KINDS) for k in kinds)
        needs_optimizers = needs_optimizers or "metrics" in data
        run = self.table(data.get("run", {}), "run", RUN_FIELDS)

        surface = None
        if "surface" in data or needs_surface:
            if "surface" not in data:
                raise self.fail("surface", "missing; give a catalog name or an expression")
            surface = self.surface(data["surface"])
        optimizers, labels, overrides = self.optimizers(data.get("optimizers"), needs_optimizers)
        scene = Scene(
            source=self.source,
            title=self.text(data, "title", None),
            description=self.text(data, "description", ""),
            surface=surface,
            optimizers=optimizers,
            labels=labels,
            overrides=overrides,
            steps=self.optional_whole(run, "steps", 0, 1_000_000),
            starts=self.starts(run.get("starts")),
            schedule=self.schedule(run.get("schedule")),
            noise=self.noise(run.get("noise")),
            seed=self.optional_whole(run, "seed", 0, 2**63 - 1),
            lr=self.lr(run.get("lr")),
            metrics=self.metrics(data.get("metrics")),
        )
        renders = tuple(
            self.render(r, k, i, len(kinds), scene)
            for i, (r, k) in enumerate(zip(raw_renders, kinds, strict=True))
        )
        if "bands" in kinds and len(optimizers) != 1:
            raise self.fail(
                "optimizers", f"kind 'bands' takes one optimizer, not {len(optimizers)}"
            )
        return replace(scene, renders=renders)

    # -- fields -------------------------------------------------------------------------
    def text(self, data: Mapping[str, Any], key: str, default: Any) -> Any:
        value = data.get(key, default)
        if value is not default and not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {value!r}")
        return value.strip() if isinstance(value, str) else value

    def whole(self, value: Any, name: str, lo: int, hi: int) -> int:
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise self.fail(name, f"must be a whole number >= {lo}, not {value!r}") from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or value < lo:
            raise self.fail(name, f"must be a whole number >= {lo}, not {value!r}")
        if value > hi:
            raise self.fail(name, f"must be at most {hi}, not {value!r}")
        return value

    def optional_whole(self, run: Mapping[str, Any], key: str, lo: int, hi: int) -> int | None:
        value = run.get(key)
        return None if value is None else self.whole(value, f"run.{key}", lo, hi)

    def number(self, value: Any, name: str, lo: float, hi: float, open_lo: bool = False) -> float:
        low = f"> {lo:g}" if open_lo else f">= {lo:g}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(name, f"must be a number {low}, not {value!r}")
        if not (math.isfinite(value) and (value > lo if open_lo else value >= lo) and value <= hi):
            raise self.fail(name, f"must be a number {low} and <= {hi:g}, not {value!r}")
        return float(value)

    def flag(self, value: Any, name: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, not {value!r}")
        return value

    def choice(self, value: Any, name: str, allowed: Sequence[str]) -> str:
        if value not in allowed:
            from .errors import unknown

            raise self.fail(name, str(unknown("value", value, allowed)))
        return value

    def wrap(self, name: str, fn: Callable[[], Any]) -> Any:
        """Run ``fn``; an OptvizError from it becomes an error naming ``name``."""
        try:
            return fn()
        except SceneError:
            raise
        except OptvizError as exc:
            raise self.fail(name, str(exc)) from None

    def pairs(self, value: Any, name: str, count: int | None = None) -> list[list[float]]:
        """Numbers ``[a, b, ...]``, ``"a,b,..."`` or a list of such (for starts)."""
        if isinstance(value, str):
            try:
                value = [float(v) for v in value.replace(" ", "").split(",") if v]
            except ValueError:
                raise self.fail(
                    name, f"must be numbers separated by commas, not {value!r}"
                ) from None
        if not isinstance(value, list) or not all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
            for v in value
        ):
            raise self.fail(name, f"must be a list of finite numbers, not {value!r}")
        if count is not None and len(value) != count:
            raise self.fail(name, f"must be {count} numbers, not {len(value)}")
        return [float(v) for v in value]

    def surface(self, value: Any) -> Any:
        from .catalog import Surface, parse_domain, surface

        if isinstance(value, str):
            value = {"name": value}
        spec = self.table(value, "surface", SURFACE_FIELDS)
        if ("name" in spec) == ("expr" in spec):
            raise self.fail("surface", "give exactly one of 'name' (catalog) or 'expr'")
        params = spec.get("params", {})
        if not isinstance(params, Mapping):
            raise self.fail("surface.params", f"must be a table of numbers, not {params!r}")
        domain = None
        if "domain" in spec:
            raw = spec["domain"]
            if isinstance(raw, list) and all(isinstance(r, list) for r in raw):
                raw = [v for r in raw for v in r]
            numbers = self.pairs(raw, "surface.domain", 4)
            domain = self.wrap("surface.domain", lambda: parse_domain(numbers))
        title = self.text(spec, "title", None)
        if "name" in spec:
            name = spec["name"]
            if not isinstance(name, str):
                raise self.fail("surface.name", f"must be a string, not {name!r}")
            if "minima" in spec:
                raise self.fail("surface.minima", "only for an expression surface")
            name, _, options = name.partition(":")  # "rosenbrock:b=10" as on the CLI
            if options:
                params = {**self.wrap("surface.name", lambda: _numbers(options)), **params}
            surf = self.wrap("surface.name", lambda: surface(name.strip()))
            surf = self.wrap("surface.params", lambda: surf.with_params(**params))
            if domain is not None:
                surf = replace(surf, domain=domain)
        else:
            expr = spec["expr"]
            if not isinstance(expr, str):
                raise self.fail("surface.expr", f"must be a string, not {expr!r}")
            minima = spec.get("minima")
            if minima is not None:
                minima = self.wrap(
                    "surface.minima", lambda: [self.pairs(m, "surface.minima", 2) for m in minima]
                )
            surf = self.wrap(
                "surface.expr",
                lambda: Surface.from_expr(
                    expr,
                    domain if domain is not None else ((-2.0, 2.0), (-2.0, 2.0)),
                    params=params,
                    name=title or expr,
                    minima=minima,
                ),
            )
        if title:
            surf = replace(surf, title=title)
        return surf

    def optimizers(self, value: Any, needed: bool) -> tuple[tuple, tuple, tuple]:
        from .optim import optimizer

        if value is None:
            if needed:
                raise self.fail("optimizers", 'missing; give at least one, e.g. ["adam"]')
            return (), (), ()
        if isinstance(value, str | Mapping):
            value = [value]
        if not isinstance(value, list) or not value:
            raise self.fail("optimizers", 'must be a list of names or tables, e.g. ["adam"]')
        opts, labels, overrides = [], [], []
        for i, item in enumerate(value):
            name = f"optimizers[{i}]"
            label, own = None, {}
            if isinstance(item, Mapping):
                item = dict(item)
                if not isinstance(item.get("name"), str):
                    raise self.fail(name, 'a table needs name = "..." (e.g. "adam")')
                label = item.pop("label", None)
                if label is not None and not isinstance(label, str):
                    raise self.fail(f"{name}.label", f"must be a string, not {label!r}")
                for key in ("schedule", "noise"):
                    if key in item:
                        own[key] = getattr(self, key)(item.pop(key), f"{name}.{key}")
                spec = item.pop("name")
                opts.append(self.wrap(name, lambda s=spec, h=item: optimizer(s, **h)))
            elif isinstance(item, str):
                opts.append(self.wrap(name, lambda s=item: optimizer(s)))
            else:
                raise self.fail(name, f'must be a name like "adam:lr=0.1" or a table, not {item!r}')
            labels.append(label)
            overrides.append(own)
        return tuple(opts), tuple(labels), tuple(overrides)

    def starts(self, value: Any) -> Any:
        if value is None:
            return None
        if isinstance(value, list) and value and all(isinstance(v, list | str) for v in value):
            points = [self.pairs(v, "run.starts", 2) for v in value]
            return points[0] if len(points) == 1 else points
        return self.pairs(value, "run.starts", 2)

    def schedule(self, value: Any, where: str = "run.schedule") -> Any:
        from .scheduling import schedule

        if value is None:
            return None
        if isinstance(value, Mapping):
            options = dict(value)
            name = options.pop("name", None)
            if not isinstance(name, str):
                raise self.fail(where, 'a table needs name = "..." (e.g. "cosine")')
            return self.wrap(where, lambda: schedule(name, **options))
        if not isinstance(value, str):
            raise self.fail(where, f'must be a name like "cosine", not {value!r}')
        return self.wrap(where, lambda: schedule(value))

    def noise(self, value: Any, where: str = "run.noise") -> Any:
        from .noise import Noise

        if value is None:
            return None
        if not isinstance(value, str | Mapping):
            raise self.fail(where, f'must be like "grad=0.5" or a table, not {value!r}')
        return self.wrap(
            where, lambda: Noise.parse(dict(value) if isinstance(value, Mapping) else value)
        )

    def lr(self, value: Any) -> str | float | None:
        if value is None or value == "tuned":
            return value
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                why = f'must be "tuned" or a number > 0, not {value!r}'
                raise self.fail("run.lr", why) from None
        return self.number(value, "run.lr", 0, 1e6, open_lo=True)

    def metrics(self, value: Any) -> Path | None:
        if value is None:
            return None
        if not isinstance(value, str) or Path(value).suffix.lower() not in (".csv", ".json"):
            raise self.fail("metrics", f"must be a .csv or .json file name, not {value!r}")
        return self.base / value

    # -- renders ----------------------------------------------------------------------------
    def kind(self, raw: Any, i: int, total: int) -> str:
        name = "render" if total == 1 else f"render[{i}]"
        if not isinstance(raw, Mapping):
            raise self.fail(name, f"must be a table, not {raw!r}")
        return self.choice(raw.get("kind", "contour"), f"{name}.kind", KINDS)

    def render(self, raw: Mapping[str, Any], kind: str, i: int, total: int, scene: Scene) -> Render:
        from .render.style import SIZES, THEMES

        prefix = "render" if total == 1 else f"render[{i}]"
        allowed = (*COMMON_RENDER, *RENDER_FIELDS[kind])
        for key in raw:
            if key not in allowed:
                others = [k for k, v in RENDER_FIELDS.items() if key in v]
                why = f"not used by kind '{kind}'" + (
                    f" (it is for {', '.join(others)})" if others else ""
                )
                raise self.fail(f"{prefix}.{key}", f"{why}; allowed: {', '.join(allowed)}")
        defaults = {**RENDER_DEFAULTS, **KIND_DEFAULTS.get(kind, {})}
        o = {k: raw.get(k, defaults.get(k)) for k in allowed if k not in ("kind", "output")}

        def name(key: str) -> str:
            return f"{prefix}.{key}"

        size = o["size"]
        if isinstance(size, list):
            w, h = self.pairs(size, name("size"), 2)
            if not (0 < w <= 40 and 0 < h <= 40):
                raise self.fail(
                    name("size"), f"width and height must be in (0, 40] inches, not {size}"
                )
            o["size"] = (w, h)
        else:
            self.choice(size, name("size"), tuple(SIZES))
        o["dpi"] = self.whole(o["dpi"], name("dpi"), 20, 600)
        self.choice(o["theme"], name("theme"), tuple(THEMES))
        if o["title"] is None and (
            kind in RACE_KINDS or kind in ("show", "curvature", "sweep", "tune", "schedules")
        ):
            o["title"] = scene.title  # figures with a title of their own keep it
        elif o["title"] is not None and not isinstance(o["title"], str):
            raise self.fail(name("title"), f"must be a string, not {o['title']!r}")
        if "loss" in o:
            self.flag(o["loss"], name("loss"))
        if "rotate" in o and not isinstance(o["rotate"], bool):
            o["rotate"] = self.number(o["rotate"], name("rotate"), -3600, 3600)
        if "trail" in o and not isinstance(o["trail"], bool):
            o["trail"] = self.whole(o["trail"], name("trail"), 0, 1_000_000)
        if "fps" in o:
            o["fps"] = self.number(o["fps"], name("fps"), 0, 120, open_lo=True)
        if "duration" in o:
            o["duration"] = self.number(o["duration"], name("duration"), 0, 600, open_lo=True)
        if "hold" in o:
            o["hold"] = self.number(o["hold"], name("hold"), 0, 60)
        for key, lo, hi in (("n", 2, 2000), ("seeds", 2, 10_000), ("depth", 1, 200)):
            if o.get(key) is not None:
                o[key] = self.whole(o[key], name(key), lo, hi)
        for key, hi in (("width", 4096), ("epochs", 10_000), ("batch_size", 10_000), ("layer", 50)):
            if o.get(key) is not None:
                o[key] = self.whole(o[key], name(key), 1, hi)
        for key in ("gain", "lr"):
            if o.get(key) is not None:
                o[key] = self.number(o[key], name(key), 0, 100, open_lo=True)
        if "p" in o:
            o["p"] = self.number(o["p"], name("p"), 0, 0.99)
        if o.get("lrs") is not None:
            lrs = self.pairs(o["lrs"], name("lrs"))
            if len(lrs) < 2 or min(lrs) <= 0:
                raise self.fail(name("lrs"), "must be at least 2 learning rates > 0")
            o["lrs"] = lrs
        if "objective" in o:
            self.choice(o["objective"], name("objective"), OBJECTIVES)
        if "quantity" in o:
            self.choice(o["quantity"], name("quantity"), QUANTITIES)
        if "view" in o:
            self.choice(o["view"], name("view"), INIT_VIEWS)
        if o.get("schedules") is not None:
            specs = o["schedules"]
            if (
                not isinstance(specs, list)
                or not specs
                or not all(isinstance(x, str) for x in specs)
            ):
                raise self.fail(name("schedules"), f"must be a list of schedules, not {specs!r}")
            from .scheduling import schedule

            for spec in specs:
                self.wrap(name("schedules"), lambda spec=spec: schedule(spec))
        if o.get("field") is not None:
            self.choice(o["field"], name("field"), FIELDS)
        if o.get("schemes") is not None:
            schemes = o["schemes"]
            if isinstance(schemes, str):
                schemes = [s.strip() for s in schemes.split(",") if s.strip()]
            if (
                not isinstance(schemes, list)
                or not schemes
                or not all(isinstance(s, str) for s in schemes)
            ):
                raise self.fail(name("schemes"), f"must be a list of scheme names, not {schemes!r}")
            o["schemes"] = schemes
        if o.get("hidden") is not None:
            hidden = o["hidden"]
            if not isinstance(hidden, list) or not hidden:
                raise self.fail(name("hidden"), f"must be a list of layer widths, not {hidden!r}")
            o["hidden"] = tuple(self.whole(h, name("hidden"), 1, 4096) for h in hidden)
        self.net_names(o, name)
        output = self.output(raw.get("output"), kind, name("output"), total, i)
        return Render(kind, output, o)

    def net_names(self, o: dict, name: Callable[[str], str]) -> None:
        if not any(k in o for k in ("schemes", "scheme", "activation")):
            return
        from . import nets

        for s in o.get("schemes") or ():  # "xavier_normal:gain=1.67" sets one scheme's gain
            self.wrap(name("schemes"), lambda s=s: _scheme(s))
        if "scheme" in o:
            self.wrap(name("scheme"), lambda: nets.check_scheme(o["scheme"]))
        if o.get("activation") is not None:
            self.wrap(name("activation"), lambda: nets.check_activation(o["activation"]))

    def output(self, value: Any, kind: str, name: str, total: int, i: int) -> Path:
        if value is None:
            if self.stem is None:
                raise self.fail(name, "missing; give a file name like race.gif")
            suffix = ".gif" if kind in RACE_KINDS else ".png"
            value = f"{self.stem}{suffix}" if total == 1 else f"{self.stem}_{i + 1}_{kind}{suffix}"
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, f"must be a file name, not {value!r}")
        path = self.base / value
        suffix = path.suffix.lower()
        images_only = kind in SURFACE_KINDS + CURVE_KINDS or kind in (
            "batchnorm",
            "symmetry",
            "dropout",
        )
        allowed = IMAGE_SUFFIXES if images_only else IMAGE_SUFFIXES + ANIMATION_SUFFIXES
        if kind == "init":
            allowed = IMAGE_SUFFIXES + (".gif", ".mp4", ".webp")
        if suffix not in allowed:
            raise self.fail(
                name,
                f"'{value}': kind '{kind}' writes {', '.join(allowed)}; "
                f"not '{suffix or 'no extension'}'",
            )
        if kind == "panels" and suffix in IMAGE_SUFFIXES:
            raise self.fail(name, "kind 'panels' is an animation; give .gif, .mp4, .webp or .html")
        if path in self.seen:
            raise self.fail(name, f"'{value}' is written by another render too")
        self.seen.add(path)
        return path


def _numbers(text: str) -> dict[str, float]:
    from .optim import parse_options

    options = parse_options(text, "surface parameters")
    try:
        return {k: float(v) for k, v in options.items()}
    except ValueError:
        raise ParameterError(f"surface parameters must be numbers, not {text!r}") from None


# -- rendering -------------------------------------------------------------------------------------
def _render(scene: Scene, r: Render, progress: Progress | None) -> Path:
    label = r.output.name

    def step(done: int, total: int | None) -> None:
        if progress:
            progress(label, done, total or 0)

    step(0, 0)
    o = r.options
    look = {"size": o["size"], "theme": o["theme"]}
    if r.kind in RACE_KINDS:
        race = scene.race()
        if r.animated:
            extra = {"rotate": o["rotate"]} if o.get("rotate") else {}
            anim = race.animate(
                trail=o["trail"],
                kind=r.kind,
                loss=o["loss"],
                fps=o["fps"],
                duration=o["duration"],
                hold=o["hold"],
                dpi=o["dpi"],
                title=o["title"],
                **extra,
                **look,
            )
            anim.save(r.output, progress=step)
            return r.output
        fig = race.plot(kind=r.kind, loss=o["loss"], dpi=o["dpi"], title=o["title"], **look)
        title = None
    elif r.kind == "init" and r.animated:
        explorer = _explorer(scene, o)
        explorer.save(r.output, kind=o["quantity"], fps=o["fps"], **look)
        step(1, 1)
        return r.output
    else:
        fig, rows = _FIGURES[r.kind](scene, o, {**look, "title": o["title"]})
        if rows:
            scene.reports[r.output] = rows
        title = o["title"]
    _save_figure(fig, r.output, o["dpi"], title)
    step(1, 1)
    return r.output


def _save_figure(fig: Any, path: Path, dpi: int, title: str | None) -> None:
    from .render.writers import save_figure

    fig = getattr(fig, "figure", fig)  # an Axes gives its Figure
    current = fig._suptitle.get_text() if fig._suptitle is not None else None
    if title and current != title:
        fig.suptitle(title, fontsize=16)
    save_figure(fig, path, dpi=dpi)


Look = Mapping[str, Any]
Options = Mapping[str, Any]


def _show(scene: Scene, o: Options, look: Look) -> tuple[Any, None]:
    from .render.plots import show_surface

    fig = show_surface(scene.surface, size=look["size"], theme=look["theme"], field=o["field"])
    return fig, None


def _basins(scene: Scene, o: Options, look: Look) -> tuple[Any, Any]:
    from .analysis import basins

    kwargs = scene.run_options(n=o["n"], schedule=scene.schedule, noise=scene.noise)
    result = basins(scene.surface, list(scene.optimizers), **kwargs)
    return _plot(result, look), getattr(result, "rows", None)


def _learning_rates(which: str) -> Callable[[Scene, Options, Look], tuple[Any, Any]]:
    """The sweep and the tuning figures: the same runs, read two ways."""

    def figure(scene: Scene, o: Options, look: Look) -> tuple[Any, Any]:
        from . import analysis

        kwargs = scene.run_options(
            lrs=o["lrs"],
            objective=o["objective"],
            start=scene.starts,
            schedule=scene.schedule,
            noise=scene.noise,
        )
        result = getattr(analysis, which)(scene.surface, list(scene.optimizers), **kwargs)
        return _plot(result, look), getattr(result, "rows", None)

    return figure


def _curvature(scene: Scene, o: Options, look: Look) -> tuple[Any, None]:
    from .analysis import curvature

    result = curvature(scene.surface, **({"n": o["n"]} if o["n"] else {}))
    return _plot(result, look), None


def _bands(scene: Scene, o: Options, look: Look) -> tuple[Any, Any]:
    from .analysis import bands

    kwargs = scene.run_options(
        seeds=o["seeds"], start=scene.starts, schedule=scene.schedule, noise=scene.noise
    )
    result = bands(scene.surface, scene.optimizers[0], **kwargs)
    return _plot(result, look), getattr(result, "rows", None)


def _plot(result: Any, look: Look) -> Any:
    """Plot an analysis result as a figure of our size and theme.

    Figure-level ``plot(size=, theme=)`` methods get both; an Axes-level
    ``plot(ax=None)`` gets an Axes on a themed figure of the right size.
    """
    import inspect

    params = inspect.signature(result.plot).parameters
    if "size" in params or "theme" in params:
        return result.plot(**{k: v for k, v in look.items() if k in ("size", "theme")})
    from .render.initplots import _new_figure
    from .render.style import themed

    with themed(look["theme"]):
        fig = _new_figure(look["size"])
        result.plot(ax=fig.add_subplot())
        if look.get("title"):  # before the layout, so that it makes room for it
            fig.suptitle(look["title"], fontsize=16)
        fig.tight_layout()
    return fig


def _scheme(text: str) -> tuple[str, dict[str, float]]:
    """``"xavier_normal:gain=1.67"`` -> ``("xavier_normal", {"gain": 1.67})``."""
    from . import nets

    name, _, options = text.partition(":")
    own = _numbers(options) if options else {}
    if set(own) - {"gain"}:
        raise ParameterError(f"init scheme '{text}': the only option is gain, e.g. ':gain=1.67'")
    return nets.check_scheme(name.strip()), own


def _explorer(scene: Scene, o: Options) -> Any:
    from . import nets
    from .render.initplots import DEFAULT_SCHEMES, InitExplorer

    kwargs = {k: o[k] for k in ("activation", "depth", "width", "gain") if o.get(k) is not None}
    kwargs.update(_seed(scene))
    stats = []
    for text in o["schemes"] or DEFAULT_SCHEMES:
        name, own = _scheme(text)
        stats.append(nets.propagate(name, **{**kwargs, **own}))
    return InitExplorer(tuple(stats))


def _seed(scene: Scene) -> dict[str, int]:
    return {} if scene.seed is None else {"seed": scene.seed}


def _init(scene: Scene, o: Options, look: Look) -> tuple[Any, Any]:
    explorer = _explorer(scene, o)
    if o["view"] == "summary":
        return explorer.summary(size=look["size"], theme=look["theme"]), None
    return explorer.grid(o["quantity"], size=look["size"], theme=look["theme"]), None


def _batchnorm(scene: Scene, o: Options, look: Look) -> tuple[Any, None]:
    from . import nets
    from .render.initplots import batchnorm_figure

    keys = ("activation", "scheme", "depth", "width", "lr", "epochs", "batch_size")
    kwargs = {k: o[k] for k in keys if o.get(k) is not None}
    plain, bn = nets.batchnorm_pair(**kwargs, **_seed(scene))
    return batchnorm_figure(plain, bn, size=look["size"], theme=look["theme"]), None


def _symmetry(scene: Scene, o: Options, look: Look) -> tuple[Any, None]:
    from . import nets
    from .render.initplots import symmetry_figure

    kwargs = {k: o[k] for k in ("activation", "hidden", "lr") if o.get(k) is not None}
    schemes = o["schemes"] or ["zeros", "constant", "xavier_normal"]
    runs = [nets.symmetry_run(s, **scene.run_options(**kwargs)) for s in schemes]
    return symmetry_figure(runs, layer=o["layer"], size=look["size"], theme=look["theme"]), None


def _dropout(scene: Scene, o: Options, look: Look) -> tuple[Any, None]:
    from .nets import dropout
    from .render.dropoutplots import dropout_figure

    kwargs = {k: o[k] for k in ("hidden", "activation", "lr") if o.get(k) is not None}
    first = scene.seed or 0
    pairs = dropout.seed_study(range(first, first + o["seeds"]), p=o["p"], **kwargs)
    return dropout_figure(pairs, size=look["size"], theme=look["theme"]), None


def _schedules(scene: Scene, o: Options, look: Look) -> tuple[Any, None]:
    from .render.plots import SCHEDULE_SHAPES, plot_schedules

    steps = {"steps": scene.steps} if scene.steps else {}
    specs = o["schedules"] or SCHEDULE_SHAPES
    fig = plot_schedules(specs, size=look["size"], theme=look["theme"], **steps)
    return fig, None


_FIGURES = {
    "show": _show,
    "basins": _basins,
    "sweep": _learning_rates("sweep"),
    "tune": _learning_rates("tune"),
    "curvature": _curvature,
    "bands": _bands,
    "init": _init,
    "batchnorm": _batchnorm,
    "symmetry": _symmetry,
    "dropout": _dropout,
    "schedules": _schedules,
}
