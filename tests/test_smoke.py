import numpy as np

import optviz as ov


def test_gd_on_bowl_follows_closed_form():
    t = ov.run("quadratic", "gd:lr=0.1", start=(1.0, -0.5), steps=20)
    k = np.arange(21)
    np.testing.assert_allclose(t.xy[:, 0], 0.8**k, rtol=1e-12)
    np.testing.assert_allclose(t.xy[:, 1], -0.5 * 0.8**k, rtol=1e-12)
