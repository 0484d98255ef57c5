"""``optviz.dropout`` is :mod:`optviz.nets.dropout`; this name is kept so old imports work."""

import sys

from .nets import dropout as _dropout

sys.modules[__name__] = _dropout
