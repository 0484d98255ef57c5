"""``python -m optviz`` is the ``optviz`` command."""

from .cli import main

if __name__ == "__main__":
    main()
