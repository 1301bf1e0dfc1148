"""The loss landscape's engine: the objective on a 2-D slice against direct evaluation, the
trajectory's projection and its bounded record, the extent and the level lines."""

import numpy as np
import pytest

from softmax_tui.engine import Optimizer, SoftmaxRegression, Trainer
from softmax_tui.engine.curvature import Hessian, spectrum
from softmax_tui.engine.landscape import (
    CURVATURE_REACH,
    FLAT_REACH,
    REACH_MARGIN,
    bands,
    curvatures,
    half_widths,
    level_values,
    parameter_direction,
    project,
    slice_objective,
    stack_parameters,
)
from softmax_tui.engine.objective import Objective
from softmax_tui.engine.trajectory import Trajectory, trajectory_capacity


def problem(K: int, n: int = 80, d: int = 3, seed: int = 0):
    rng = np.random.default_rng(seed + K)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, K, n)
    return X, y, rng.normal(size=(K, d)), rng.normal(size=K)


def direct(X, y, W, b, directions, alpha, beta, l2, l1) -> float:
    """The objective at ``theta + alpha u + beta v`` by the trainer's own evaluation."""
    theta = stack_parameters(W, b) + alpha * directions[0] + beta * directions[1]
    return Objective(X, y, W.shape[0]).evaluate(np.ascontiguousarray(theta[:, :-1]), theta[:, -1].copy(), l2, l1,
                                                gradient=False).loss


@pytest.mark.parametrize("K", [2, 3, 10])
@pytest.mark.parametrize("l2, l1", [(0.0, 0.0), (0.1, 0.0), (0.05, 0.02)])
@pytest.mark.parametrize("slice_kind", ["eigenvectors", "parameters"])
def test_the_slice_equals_direct_evaluation_at_every_grid_point(K, l2, l1, slice_kind):
    X, y, W, b = problem(K)
    if slice_kind == "eigenvectors":
        directions = spectrum(W, b, X, l2).top_directions
    else:  # a weight of the first class and the last class's bias
        directions = np.stack([parameter_direction(K, 3, 1), parameter_direction(K, 3, K * 4 - 1)])
    alphas, betas = np.linspace(-3, 2, 7), np.linspace(-1.5, 2.5, 5)
    grid = slice_objective(X, y, W, b, directions, alphas, betas, l2, l1)
    assert grid.shape == (5, 7)
    expected = np.array([[direct(X, y, W, b, directions, a, bt, l2, l1) for a in alphas] for bt in betas])
    assert np.abs(grid - expected).max() / np.abs(expected).max() < 1e-12
    assert np.ptp(grid) > 0.1  # the slice really varies


def test_the_centre_of_the_slice_is_the_current_objective():
    X, y, W, b = problem(3)
    directions = spectrum(W, b, X).top_directions
    centre = slice_objective(X, y, W, b, directions, [0.0], [0.0], 0.1, 0.01)[0, 0]
    assert centre == pytest.approx(Objective(X, y, 3).evaluate(W, b, 0.1, 0.01, gradient=False).loss, rel=1e-13)


def test_a_parameter_direction_is_the_unit_vector_of_that_parameter():
    e = parameter_direction(3, 2, 5)  # class 1 (0-based), j = 2 = d: its bias
    assert e.shape == (3, 3) and e.sum() == 1.0 and e[1, 2] == 1.0
    with pytest.raises(IndexError):
        parameter_direction(3, 2, 9)


def test_a_point_in_the_plane_projects_exactly_and_is_on_it():
    X, y, W, b = problem(3)
    directions = spectrum(W, b, X).top_directions
    theta = stack_parameters(W, b)
    points = np.stack([theta + 0.7 * directions[0] - 1.3 * directions[1], theta])
    result = project(points, theta, directions)
    assert result.alpha == pytest.approx([0.7, 0.0], abs=1e-14)
    assert result.beta == pytest.approx([-1.3, 0.0], abs=1e-14)
    assert result.off_plane == pytest.approx([0.0, 0.0], abs=1e-14)


def test_a_point_off_the_plane_reports_its_distance():
    X, y, W, b = problem(3)
    directions = np.stack([parameter_direction(3, 3, 0), parameter_direction(3, 3, 4)])
    theta = stack_parameters(W, b)
    point = theta.copy()
    point[0, 0] += 2.0  # along the first direction
    point[2, 1] += 3.0  # along neither: off the plane
    point[2, 2] -= 4.0
    result = project(point[None], theta, directions)
    assert (result.alpha[0], result.beta[0]) == pytest.approx((2.0, 0.0))
    assert result.off_plane[0] == pytest.approx(5.0)


def test_the_projection_refuses_directions_that_are_not_orthonormal():
    theta = np.zeros((2, 3))
    with pytest.raises(ValueError, match="orthonormal"):
        project(theta[None], theta, np.stack([parameter_direction(2, 2, 0), 2 * parameter_direction(2, 2, 1)]))


def test_the_curvature_along_an_eigenvector_is_its_eigenvalue():
    X, y, W, b = problem(3)
    found = spectrum(W, b, X, 0.1)
    along = curvatures(Hessian(W, b, X, 0.1), found.top_directions)
    assert along[0] == pytest.approx(found.lambda_max, rel=1e-10)
    assert along[0] >= along[1] > 0


def test_the_extent_covers_the_path_and_the_bowl():
    # the path's reach wins with the margin; else the curvature's 2/sqrt(c); a flat direction is capped
    half = half_widths(np.array([4.0, 1e-12]), np.array([0.1, 0.0]), theta_norm=2.5)
    assert half[0] == pytest.approx(CURVATURE_REACH / 2.0)
    assert half[1] == pytest.approx(FLAT_REACH * 2.5)
    half = half_widths(np.array([4.0, 0.0]), np.array([3.0, 0.5]), theta_norm=0.1)
    assert half[0] == pytest.approx(REACH_MARGIN * 3.0)
    assert half[1] == pytest.approx(FLAT_REACH * 1.0)


def test_levels_are_quantiles_and_bands_count_levels_below():
    values = np.arange(100.0).reshape(10, 10)
    levels = level_values(values, 4)
    assert levels == pytest.approx(np.quantile(values, [0.25, 0.5, 0.75]))
    band = bands(values, levels)
    assert [int((band == k).sum()) for k in range(4)] == [25, 25, 25, 25]
    assert bands(np.array([np.nan, -np.inf]), levels).tolist() == [3, 0]


# -- the trajectory record -----------------------------------------------------------------

def record(trajectory: Trajectory, steps) -> None:
    for step in steps:
        trajectory.append(step, np.full((2, 1), float(step)), np.full(2, -float(step)))


def test_the_trajectory_keeps_every_point_until_full():
    trajectory = Trajectory(8)
    record(trajectory, range(8))
    steps, points = trajectory.points()
    assert steps.tolist() == list(range(8)) and trajectory.stride == 1
    assert points.shape == (8, 2, 2)
    assert points[3].tolist() == [[3.0, -3.0], [3.0, -3.0]]  # [W | b]


def test_the_trajectory_thins_by_two_and_stays_bounded():
    trajectory = Trajectory(8)
    record(trajectory, range(100))
    steps, points = trajectory.points()
    assert len(trajectory) <= 8
    # evenly spaced in steps from step 0, the stride doubled each time the store filled
    assert trajectory.stride == 16
    assert steps.tolist() == [0, 16, 32, 48, 64, 80, 96]
    assert points[:, 0, 0].tolist() == [float(s) for s in steps]


def test_the_trajectory_is_cut_at_a_step_and_cleared():
    trajectory = Trajectory(8)
    record(trajectory, range(6))
    assert trajectory.points(until=3)[0].tolist() == [0, 1, 2, 3]
    trajectory.clear()
    steps, points = trajectory.points()
    assert len(steps) == 0 and points.shape == (0, 0, 0)


def test_a_second_record_at_the_same_step_replaces_the_first():
    trajectory = Trajectory(8)
    record(trajectory, [0, 1])
    trajectory.append(1, np.full((2, 1), 7.0), np.zeros(2))
    steps, points = trajectory.points()
    assert steps.tolist() == [0, 1] and points[1, 0, 0] == 7.0


def test_the_capacity_keeps_memory_bounded_for_many_parameters():
    assert trajectory_capacity(3, 2) == 1024
    capacity = trajectory_capacity(10, 784)
    assert capacity % 2 == 0 and 64 <= capacity < 1024
    assert capacity * 10 * 785 * 8 <= 8 << 20


def test_the_trainer_records_its_path_and_a_reset_clears_it():
    X, y, W, b = problem(3)
    trainer = Trainer(SoftmaxRegression(W.copy(), b.copy()), Optimizer("gd"), X, y, lr=0.5, paused=True)
    trainer.advance(5)
    steps, points = trainer.trajectory.points()
    assert steps.tolist() == [0, 1, 2, 3, 4, 5]
    assert np.array_equal(points[0], stack_parameters(W, b))
    assert np.array_equal(points[-1], stack_parameters(trainer.snapshot.W, trainer.snapshot.b))
    trainer.reset()
    assert trainer.trajectory.points()[0].tolist() == [0]
