"""Random scene files, run in a child process under memory and time limits.

tests/test_scene_fuzz.py runs ``python tests/scene_fuzz_cases.py N``: N scene files,
half shaped by the schema (values drawn from each field's declared type, sometimes
just outside it) and half random TOML trees, are written and loaded. Each must give a
Scene or an OptvizError, within the limits; anything else fails the run.
"""

from __future__ import annotations

import resource
import signal
import sys
import tempfile
from pathlib import Path

MEMORY = 3 * 2**30  # bytes of address space
SECONDS_PER_CASE = 20


def main(count: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from optviz.scenes import Scene, load_scene, render_kinds, schema, schema_errors
    from optviz.util.errors import OptvizError
    from optviz.util.toml_write import dumps

    folder = Path(tempfile.mkdtemp())
    names = st.sampled_from(
        ["quadratic", "saddle", "rosenbrock:b=10", "gd", "adam:lr=0.1", "cosine", "tanh",
         "xavier_normal", "grad=0.5", "a.gif", "../x.png", "r.png", "m.json", "x**2 - y**2",
         "$x^{$", "$" + "{" * 60 + "$", "r\x00.png", "m\x00.json", "moons", "d.csv"]
    )  # fmt: skip
    scalars = st.one_of(
        st.booleans(),
        st.integers(-(2**63), 2**63 - 1),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=10),
        names,
    )
    fields = sorted(
        {f for spec in [schema.SceneSpec, schema.RunSpec, schema.SurfaceSpec, schema.NoiseSpec,
                        *render_kinds.RENDERS.values()] for f in spec.__struct_fields__}
        | {"kind", "name", "lr"}
    )  # fmt: skip
    keys = st.one_of(st.sampled_from(fields), st.text(min_size=1, max_size=6))
    trees = st.recursive(
        scalars,
        lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=4),
        max_leaves=25,
    )

    def of_type(node):  # values of a declared type, sometimes just outside its range
        from msgspec import inspect as mi

        node = schema_errors._plain(node)
        if isinstance(node, mi.UnionType):
            return st.one_of([of_type(t) for t in node.types if not isinstance(t, mi.NoneType)])
        if isinstance(node, mi.BoolType):
            return st.booleans()
        if isinstance(node, mi.IntType | mi.FloatType):
            lo = node.ge if node.ge is not None else (node.gt or -10)
            hi = min(node.le if node.le is not None else 10, 10**6)
            inside = (
                st.integers(int(lo), int(hi))
                if isinstance(node, mi.IntType)
                else (st.floats(lo, hi))
            )
            return st.one_of(inside, inside, inside, st.sampled_from([lo - 1, hi + 1, 0.5]))
        if isinstance(node, mi.LiteralType):
            known = st.sampled_from(node.values)
            return st.one_of(known, known, known, st.text(max_size=6))
        if isinstance(node, mi.ListType):
            size = {"min_size": node.min_length or 0, "max_size": node.max_length or 4}
            return st.lists(of_type(node.item_type), **size)
        if isinstance(node, mi.StructType):
            return st.fixed_dictionaries(
                {}, optional={f.encode_name: of_type(f.type) for f in node.fields}
            )
        return names

    def render_tables():
        def one(kind, spec):
            table = of_type(mi_info(spec))
            return table.map(lambda t: {**t, "kind": kind})

        return st.one_of([one(kind, spec) for kind, spec in render_kinds.RENDERS.items()])

    def mi_info(spec):
        from msgspec import inspect as mi

        return mi.type_info(spec)

    surfaces = st.sampled_from(["quadratic", "saddle", "rosenbrock:b=10", "himmelblau"])
    optimizers = st.sampled_from(["gd", "adam:lr=0.1", "momentum", "sgd", "rmsprop"])
    shaped = st.fixed_dictionaries(
        {
            "surface": surfaces | surfaces.map(lambda s: {"name": s}),
            "optimizers": st.lists(optimizers | st.fixed_dictionaries({"name": optimizers},
                                   optional={"lr": scalars, "label": scalars}), max_size=3)
                          | st.sampled_from([32, 33, 1000]).map(lambda n: ["gd"] * n),
        },
        optional={
            "title": st.text(max_size=20),
            "run": of_type(mi_info(schema.RunSpec)),
            "render": render_tables() | st.lists(render_tables(), max_size=3),
            "metrics": names,
        },
    )  # fmt: skip
    counts = {"scene": 0, "error": 0}

    def on_alarm(*_):
        raise TimeoutError(f"a scene took more than {SECONDS_PER_CASE} s")

    signal.signal(signal.SIGALRM, on_alarm)

    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.one_of(shaped, st.dictionaries(keys, trees, max_size=6)), st.booleans())
    def case(data, bom):
        path = folder / "case.toml"
        text = dumps(data)
        path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8", "surrogatepass"))
        signal.alarm(SECONDS_PER_CASE)
        try:
            scene = load_scene(path)
            assert isinstance(scene, Scene)
            counts["scene"] += 1
        except OptvizError as exc:
            assert "\n" not in str(exc), str(exc)
            counts["error"] += 1
            if "-v" in sys.argv:
                print(exc)
        finally:
            signal.alarm(0)

    case()
    print(f"{counts['scene']} scenes, {counts['error']} errors")


if __name__ == "__main__":
    main(int(sys.argv[1]))
