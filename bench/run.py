"""Run every benchmark: each ``bench/bench_*.py`` module's ``main()`` prints its table.

    python bench/run.py [--quick] [name ...]      # or: python -m bench [--quick]

``name`` picks modules by the part after ``bench_`` (e.g. ``surfaces``). Each module
exposes ``main(quick: bool = False)``; a failing module is reported and the rest still run.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent


def modules(names: list[str]) -> list[Path]:
    found = sorted(HERE.glob("bench_*.py"))
    if names:
        found = [p for p in found if p.stem.removeprefix("bench_") in names]
    return found


def run(path: Path, quick: bool) -> bool:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    start = time.perf_counter()
    try:
        spec.loader.exec_module(module)
        main = module.main
        if "quick" in inspect.signature(main).parameters:
            main(quick=quick)
        else:
            main()
    except Exception:  # noqa: BLE001 - one broken bench must not hide the others
        print(f"\n{path.name} failed:\n{traceback.format_exc()}", file=sys.stderr)
        return False
    print(f"[{path.name}: {time.perf_counter() - start:.1f} s]")
    return True


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    quick = "--quick" in argv
    names = [a for a in argv if not a.startswith("-")]
    paths = modules(names)
    if not paths:
        print(
            f"no benchmark matches {names}; known: "
            + ", ".join(p.stem.removeprefix("bench_") for p in modules([])),
            file=sys.stderr,
        )
        return 2
    ok = [run(p, quick) for p in paths]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
