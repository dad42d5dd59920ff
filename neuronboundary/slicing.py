"""Views of a network over a high-dimensional input along a line, a plane or a 3-D subspace, and
the directions the article sweeps along (PCA singular vectors, concept vectors)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from neuronboundary._validate import (
    as_float_array,
    as_int,
    as_written,
    check_finite,
    finite_vector,
    shown,
    unwrap_scalar,
)
from neuronboundary.network import Network, NeuronLayer, as_network  # noqa: F401 (the examples)

__all__ = [
    "PCA",
    "box_domain_along",
    "concept_vector",
    "pca_directions",
    "slice_1d",
    "slice_2d",
    "slice_2d_through",
    "slice_3d",
    "sweep_interval",
]


def slice_1d(network: Network, origin: Any, direction: Any) -> Network:
    """The 1-D network (or layer) seen along the line ``x(t) = origin + t * direction``.

    The first layer's neuron n becomes ``t -> (W direction)_n t + (W origin + b)_n`` (and
    residual connections from the input are composed the same way), so
    ``slice_1d(net, o, v)(t) == net(o + t v)`` and every 1-D tool applies. A
    :class:`~neuronboundary.NeuronLayer` gives a NeuronLayer.

    Parameters
    ----------
    network : Network or NeuronLayer, in_dim d
    origin : array-like, shape (d,)
    direction : array-like, shape (d,), not all zero

    Returns
    -------
    Network (a NeuronLayer for a layer), in_dim 1

    Notes
    -----
    The composed weights are float64 products, rounded once per entry: the slice is a network
    of its own, analysed exactly from there.

    Examples
    --------
    >>> layer = NeuronLayer([[1.0, 2.0], [0.0, -1.0]], [0.5, 0.0])
    >>> line = slice_1d(layer, origin=[0.0, 0.0], direction=[1.0, 1.0])
    >>> line.weight.ravel(), line.bias
    (array([ 3., -1.]), array([0.5, 0. ]))
    """
    net = as_network(network, "slice_1d")
    d = net.in_dim
    o = finite_vector(origin, "origin", d)
    v = finite_vector(direction, "direction", d)
    if not np.any(v):
        raise ValueError("direction must not be the zero vector: a line needs a direction.")
    return net.on_affine_input(o, v.reshape(-1, 1))


def slice_2d(network: Network, origin: Any, u: Any, v: Any) -> Network:
    """The 2-D network (or layer) seen on the plane ``x(s, t) = origin + s * u + t * v``.

    Returns a network over ``(s, t)`` (a NeuronLayer for a layer); ``u`` and ``v`` must be
    linearly independent.

    >>> layer = NeuronLayer([[1.0, 2.0, 3.0]], [1.0])
    >>> plane = slice_2d(layer, [0, 0, 0], [1, 0, 0], [0, 0, 1])
    >>> plane.weight, plane.bias
    (array([[1., 3.]]), array([1.]))
    """
    return _slice(network, origin, (u, v), ("u", "v"), "slice_2d")


def slice_3d(network: Network, origin: Any, u: Any, v: Any, w: Any) -> Network:
    """The network (or layer) seen in the 3-D subspace ``x = origin + s u + t v + r w``.

    ``u``, ``v`` and ``w`` must be linearly independent; see :func:`slice_2d`.

    >>> layer = NeuronLayer([[1.0, 2.0, 3.0, 4.0]], [1.0])
    >>> space = slice_3d(layer, [0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1])
    >>> space.weight
    array([[1., 2., 4.]])
    """
    return _slice(network, origin, (u, v, w), ("u", "v", "w"), "slice_3d")


def _slice(network: Any, origin: Any, vectors: tuple, names: tuple, what: str) -> Network:
    net = as_network(network, what)
    d = net.in_dim
    o = finite_vector(origin, "origin", d)
    basis = np.stack([finite_vector(b, n, d) for b, n in zip(vectors, names, strict=True)], axis=1)
    scale = np.max(np.abs(basis), axis=0)  # rank of unit-scale columns: any magnitude
    k = basis.shape[1]
    if k > d:
        raise ValueError(
            f"{what} spans {k} dimensions but the network's input has only {d}: a {k}-D "
            f"slice needs an input of dimension >= {k}."
        )
    if np.linalg.matrix_rank(basis / np.where(scale > 0, scale, 1.0)) < k:
        listed = " and ".join(names) if k == 2 else ", ".join(names)
        raise ValueError(
            f"{listed} must be linearly independent (they span the {k}-D slice); got parallel "
            f"or zero vectors. Pick directions that are not combinations of each other."
        )
    return net.on_affine_input(o, basis)


def slice_2d_through(network: Network, a: Any, b: Any, c: Any) -> Network:
    """The 2-D network (or layer) on the plane through three input points (as SplineCam does).

    Coordinates are ``(s, t)`` with ``x = a + s (b - a) + t (c - a)``: ``a`` sits at (0, 0),
    ``b`` at (1, 0) and ``c`` at (0, 1). The points must not be collinear.

    >>> layer = NeuronLayer([[1.0, 1.0, 1.0]], [0.0])
    >>> slice_2d_through(layer, [0, 0, 0], [1, 0, 0], [0, 1, 0]).weight
    array([[1., 1.]])
    """
    net = as_network(network, "slice_2d_through")
    d = net.in_dim
    pa = finite_vector(a, "a", d)
    pb = finite_vector(b, "b", d)
    pc = finite_vector(c, "c", d)
    with np.errstate(over="ignore", invalid="ignore"):
        u, v = pb - pa, pc - pa
    if not (np.isfinite(u).all() and np.isfinite(v).all()):
        raise ValueError(
            "b - a or c - a overflows float64: the points are too far apart for the slice's "
            "coordinates; bring them closer (or scale the inputs)."
        )
    try:
        return _slice(net, pa, (u, v), ("b - a", "c - a"), "slice_2d_through")
    except ValueError as err:
        if "linearly independent" not in str(err):
            raise
        raise ValueError(
            "a, b and c must not be collinear: three collinear points span no plane."
        ) from None


def box_domain_along(
    origin: Any, direction: Any, lower: Any = 0.0, upper: Any = np.inf
) -> tuple[float, float]:
    """The range of t for which ``origin + t * direction`` stays inside a box of valid inputs.

    With the default box (every coordinate >= 0: inputs after a ReLU) this is the valid part of
    a line that the article hatches as "invalid" elsewhere. Pass it as ``domain=`` to
    :func:`~neuronboundary.partition_1d`. Ends may be infinite.

    Parameters
    ----------
    origin, direction : array-like, shape (d,)
    lower, upper : float or array-like (d,)
        Box bounds per coordinate (may be ``-inf`` / ``inf``).

    Returns
    -------
    (t_lo, t_hi)
        Raises ``ValueError`` when the line misses the box.

    Examples
    --------
    >>> box_domain_along([1.0, 2.0], [1.0, -1.0])  # x1 = 1 + t >= 0, x2 = 2 - t >= 0
    (-1.0, 2.0)
    """
    o = finite_vector(origin, "origin")
    v = finite_vector(direction, "direction", o.shape[0])
    if not np.any(v):
        raise ValueError("direction must not be the zero vector: a line needs a direction.")
    bounds = {"lower": as_float_array(lower, "lower"), "upper": as_float_array(upper, "upper")}
    for name, bound in bounds.items():
        if bound.ndim > 1 or (bound.ndim == 1 and bound.shape != o.shape):
            raise ValueError(
                f"{name} must be one number or have length {o.shape[0]}, one bound per "
                f"coordinate of origin; got shape {bound.shape}."
            )
    lo = np.broadcast_to(bounds["lower"], o.shape)
    hi = np.broadcast_to(bounds["upper"], o.shape)
    if np.isnan(lo).any() or np.isnan(hi).any() or (lo > hi).any():
        raise ValueError("lower and upper must be numbers with lower <= upper in every coordinate.")
    t_lo, t_hi = -np.inf, np.inf
    moving = v != 0.0
    fixed = ~moving
    if ((o[fixed] < lo[fixed]) | (o[fixed] > hi[fixed])).any():
        raise ValueError("the line misses the box: a coordinate it never changes is outside it.")
    with np.errstate(invalid="ignore", over="ignore"):
        ta = (lo[moving] - o[moving]) / v[moving]
        tb = (hi[moving] - o[moving]) / v[moving]
    if ta.size:
        t_lo = float(np.max(np.minimum(ta, tb)))
        t_hi = float(np.min(np.maximum(ta, tb)))
    if not t_lo <= t_hi:
        raise ValueError(
            "the line misses the box of valid inputs: no t keeps every coordinate inside."
        )
    return t_lo, t_hi


@dataclass(frozen=True)
class PCA:
    """Principal directions of a data matrix (see :func:`pca_directions`).

    Attributes
    ----------
    mean : numpy.ndarray
        Shape (d,), the column means that were subtracted.
    directions : numpy.ndarray
        Shape (k, d), unit right singular vectors, strongest first; each has its
        largest-magnitude entry positive (deterministic across runs).
    singular_values : numpy.ndarray
        Shape (k,).
    explained_variance_ratio : numpy.ndarray
        Shape (k,), share of the total variance along each direction.
    """

    mean: np.ndarray
    directions: np.ndarray
    singular_values: np.ndarray
    explained_variance_ratio: np.ndarray


def pca_directions(data: Any, k: int = 1) -> PCA:
    """Top-k principal directions (right singular vectors) of the centred data matrix.

    Parameters
    ----------
    data : array-like or torch.Tensor, shape (n, d), n >= 2
    k : int, 1 <= k <= min(n, d)

    Notes
    -----
    Uses a thin SVD (``numpy.linalg.svd`` in float64; torch's rounds differently with the
    thread count).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(500, 3)) * [5.0, 1.0, 0.1]
    >>> pca = pca_directions(x, k=1)
    >>> np.round(np.abs(pca.directions), 1)
    array([[1., 0., 0.]])
    """
    x = as_float_array(data, "data")
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"data must have shape (n, d) with n >= 2 samples; got shape {x.shape}.")
    check_finite(x, "data")
    n, d = x.shape
    k = as_int(k, "k")
    if not 1 <= k <= min(n, d):
        raise ValueError(
            f"k must be an integer in [1, {min(n, d)}] for data of shape {x.shape}; got {shown(k)}."
        )
    if (x == x[0]).all():
        raise ValueError(
            "data is constant (every row is the same): it varies in no direction, so it has no "
            "principal direction. Pass samples that differ."
        )
    mean = x.mean(axis=0)
    # numpy's LAPACK, not torch's: torch.linalg.svd (MKL) rounds differently with the number of
    # torch threads, which moved the digits PCA figure by ~1e-15 between 1 and 2 threads
    _, s, vh = np.linalg.svd(x - mean, full_matrices=False)
    rank = int(np.sum(s > s[0] * max(n, d) * np.finfo(np.float64).eps))  # as numpy's matrix_rank
    if k > rank:
        raise ValueError(
            f"k={k}, but the centred data varies along only {rank} direction(s) (its other "
            f"singular values are zero up to rounding), so directions beyond {rank} would be "
            f"arbitrary. Use k <= {rank}."
        )
    directions = vh[:k].copy()
    flip = np.sign(directions[np.arange(k), np.argmax(np.abs(directions), axis=1)])
    directions *= flip[:, None]
    relative = s / s[0]  # s[0] > 0 for data that is not constant; no overflow in s**2
    ratio = relative[:k] ** 2 / float(np.sum(relative**2))
    return PCA(
        mean=mean,
        directions=directions,
        singular_values=s[:k].copy(),
        explained_variance_ratio=ratio,
    )


def concept_vector(data: Any, labels: Any, positive: Any, negative: Any) -> np.ndarray:
    """Difference of class means ``mean(data[labels == positive]) - mean(data[labels == negative])``.

    Moving from the ``negative`` class mean along this vector by t = 1 reaches the ``positive``
    class mean. Shape (d,).

    >>> concept_vector([[0.0, 0.0], [2.0, 4.0]], [7, 1], positive=1, negative=7)
    array([2., 4.])
    """
    x = as_float_array(data, "data")
    if x.ndim != 2:
        raise ValueError(f"data must have shape (n, d); got shape {x.shape}.")
    check_finite(x, "data")
    y = np.asarray(labels.detach().cpu() if hasattr(labels, "detach") else labels)
    positive, negative = unwrap_scalar(positive), unwrap_scalar(negative)
    for name, cls in (("positive", positive), ("negative", negative)):
        if np.ndim(cls) != 0:
            raise TypeError(f"{name} must be one class label (as in labels); got {shown(cls)}.")
    if positive == negative:
        raise ValueError(
            f"positive and negative must be two different classes; got {shown(positive)} for both "
            f"(a class mean minus itself is the zero vector, no direction)."
        )
    if y.shape != (x.shape[0],):
        raise ValueError(
            f"labels must have shape ({x.shape[0]},), one per row of data; got {y.shape}."
        )
    means = []
    for name, cls in (("positive", positive), ("negative", negative)):
        mask = y == cls
        if not mask.any():
            raise ValueError(
                f"{name} class {shown(cls)} has no samples in labels; choose one of the classes "
                f"present: {np.unique(y)[:20]}."
            )
        means.append(x[mask].mean(axis=0))
    return means[0] - means[1]


def sweep_interval(
    data: Any, origin: Any, direction: Any, coverage: float = 0.98
) -> tuple[float, float]:
    """The range of t where the data project on the line ``x(t) = origin + t * direction``.

    Each sample ``x`` projects to ``t = (x - origin) . direction / (direction . direction)``,
    the position of its orthogonal projection on the line (t = 0 at ``origin``, t = 1 at
    ``origin + direction``). The result is the central ``coverage`` share of these positions:
    their ``(1 - coverage) / 2`` and ``(1 + coverage) / 2`` quantiles (numpy's default
    linear interpolation), so a few outliers do not stretch the sweep. Pass it as the interval
    of :func:`~neuronboundary.partition_1d` or :func:`~neuronboundary.group_partition_1d` on
    ``slice_1d(layer, origin, direction)``.

    Parameters
    ----------
    data : array-like or torch.Tensor, shape (n, d)
        The samples, one per row, n >= 1.
    origin : array-like, shape (d,)
        Where the line starts (t = 0).
    direction : array-like, shape (d,), not all zero
        The line's direction (t = 1 at ``origin + direction``).
    coverage : float, 0 < coverage <= 1
        Share of the samples whose projection falls inside the interval; 1 gives the full
        range (min, max).

    Returns
    -------
    (t_lo, t_hi) : tuple of float
        With ``t_lo < t_hi``. Raises ``ValueError`` when every sample projects to the same t
        (no interval to sweep: pass an explicit one).

    See Also
    --------
    box_domain_along : the range of t where ``x(t)`` stays a valid input.

    Examples
    --------
    >>> data = [[0.0, 1.0], [1.0, 0.0], [2.0, 5.0], [4.0, 3.0]]
    >>> sweep_interval(data, origin=[0.0, 0.0], direction=[2.0, 0.0], coverage=1.0)
    (0.0, 2.0)
    >>> sweep_interval(data, origin=[0.0, 0.0], direction=[2.0, 0.0], coverage=0.5)
    (0.375, 1.25)
    """
    x = as_float_array(data, "data")
    if x.ndim != 2 or x.shape[0] < 1:
        raise ValueError(
            f"data must have shape (n, d) with one sample per row; got shape {x.shape}."
        )
    check_finite(x, "data")
    d = x.shape[1]
    o = finite_vector(origin, "origin", d)
    v = finite_vector(direction, "direction", d)
    if not np.any(v):
        raise ValueError("direction must not be the zero vector: a line needs a direction.")
    share = as_float_array(as_written(coverage), "coverage")  # np.float32(0.98) is 0.98
    if share.ndim != 0 or not 0.0 < float(share) <= 1.0:
        raise ValueError(
            f"coverage must be one number in (0, 1], the share of samples to cover "
            f"(e.g. 0.98); got {shown(coverage)}."
        )
    share = float(share)
    # numpy's pairwise row sums: the same result whatever the number of threads; the direction
    # scaled by a power of two first (exact), so that v . v neither overflows nor underflows
    _, k = np.frexp(np.abs(v).max())
    unit = np.ldexp(v, -k)
    with np.errstate(over="ignore", invalid="ignore"):
        t = np.ldexp(np.sum((x - o) * unit, axis=1) / np.sum(unit * unit), -k)
    if not np.isfinite(t).all():
        raise ValueError(
            "the samples' positions along direction overflow float64 (data far from origin "
            "relative to the direction's length): scale the direction up or the data down."
        )
    lo, hi = np.quantile(t, [(1.0 - share) / 2.0, (1.0 + share) / 2.0])
    if not lo < hi:
        raise ValueError(
            f"every sample projects to t = {shown(lo)} along direction: there is no interval to "
            f"sweep. Pass an explicit interval, or a direction along which the data vary."
        )
    return float(lo), float(hi)
