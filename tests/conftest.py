"""Shared test data: seed 000's twenty red/green/blue points, copied from the tutorial."""

import numpy as np
import pytest

RGB20_X = np.array([
    [-0.1, 1.4], [-0.5, 0.2], [1.3, 0.9], [-0.6, 0.4], [-1.6, 0.2],
    [0.2, 0.2], [-0.3, -0.4], [0.7, -0.8], [1.1, -1.5], [-1.0, 0.9],
    [-0.5, 1.5], [-1.3, -0.4], [-1.4, -1.2], [-0.9, -0.7], [0.4, -1.3],
    [-0.4, 0.6], [0.3, -0.5], [-1.6, -0.7], [-0.5, -1.4], [-1.0, -1.4],
])
RGB20_Y = np.array([0, 0, 1, 0, 2, 1, 1, 1, 1, 0, 0, 2, 2, 2, 1, 0, 1, 2, 2, 2])


@pytest.fixture
def rgb20():
    return RGB20_X.copy(), RGB20_Y.copy()
