"""Polyak-Ruppert averaging: the weighted average, layer by layer, of several saved models.

Introduced in chapter 3. Members are always ordered most recent first: member 1 is the last
checkpoint of the run, member 2 the one before, and so on.
"""

from __future__ import annotations

import keras
import numpy as np

from ._checks import check_int, check_numeric_array, check_positive

__all__ = ["SCHEMES", "average_weights", "model_with_weights", "shares"]

#: The three weightings of :func:`shares`, in the order the chapters show them.
SCHEMES = ("equal", "linear", "exponential")


def shares(n: int, scheme: str, alpha: float = 2.0) -> np.ndarray:
    """How much each of ``n`` members counts, member 1 (the most recent) first; sums to 1 (chapter 3).

    * ``"equal"``: every member ``1/n``;
    * ``"linear"``: proportional to ``(n - i + 1) / n`` for member ``i``: n/n, (n-1)/n, ..., 1/n;
    * ``"exponential"``: proportional to ``exp(-i / alpha)``; a smaller ``alpha`` forgets faster.
      (Computed as ``exp(-(i - 1) / alpha)``, the same shares after normalising, so that a small
      ``alpha`` gives member 1 everything instead of 0 / 0.)

    Args:
        n: the number of members, at least 1.
        scheme: one of ``SCHEMES``: ``"equal"``, ``"linear"`` or ``"exponential"``.
        alpha: the decay of the exponential scheme, positive (checked whatever the scheme).

    Returns:
        A float64 array of ``n`` shares summing to 1, member 1 first.

    Raises:
        TypeError: if ``n`` is not an int or ``alpha`` not a number.
        ValueError: if ``n`` is below 1, ``scheme`` is not one of ``SCHEMES``, or ``alpha`` is
            not positive and finite.
    """
    n = check_int(n, "n", minimum=1)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}; got {scheme!r}")
    alpha = check_positive(alpha, "alpha")
    i = np.arange(1, n + 1, dtype=np.float64)
    if scheme == "equal":
        raw = np.ones(n)
    elif scheme == "linear":
        raw = (n - i + 1) / n
    else:
        raw = np.exp(-(i - 1) / alpha)
    return raw / raw.sum()


def _as_weight_list(member, index: int) -> list[np.ndarray]:
    if isinstance(member, keras.Model):
        if member.non_trainable_weights:
            names = ", ".join(sorted({w.path.split("/")[0] for w in member.non_trainable_weights}))
            raise ValueError(
                f"members[{index}] has non-trainable variables ({names}), such as BatchNormalization's "
                "moving mean and variance: an average of those is not the statistics of the averaged "
                "model. Average the trainable weights and recompute the statistics with a pass over "
                "the training data"
            )
        arrays = [np.asarray(w) for w in member.get_weights()]
    elif isinstance(member, (list, tuple)) and all(hasattr(w, "shape") for w in member):
        arrays = [np.asarray(w) for w in member]
    else:
        raise TypeError(
            f"members[{index}] must be a Keras model or a list of weight arrays, got {type(member).__name__}"
        )
    for j, array in enumerate(arrays):
        if array.dtype.kind != "f":
            raise TypeError(f"members[{index}] weight array {j} must hold floating-point numbers, got {array.dtype}")
        check_numeric_array(array, f"members[{index}] weight array {j}")
    return arrays


def average_weights(members, shares) -> list[np.ndarray]:
    """The weighted average of the members' weights, array by array (chapter 3).

    The sum runs in float64, member by member in the order given.

    Args:
        members: Keras models or lists of weight arrays (``model.get_weights()``), all of the same
            architecture. A model with non-trainable variables (such as BatchNormalization's moving
            statistics) is refused: an average of those is not the statistics of the averaged model.
        shares: how much each member counts, one number per member (non-negative, not all zero;
            they are normalised to sum to 1; :func:`shares` gives the book's three schemes).

    Returns:
        A list of arrays in the layer order of the first member, in its dtype.

    Raises:
        TypeError: if ``members`` is not a list, a member is neither a Keras model nor a list of
            weight arrays, a weight array does not hold floating-point numbers, or ``shares`` does
            not hold numbers.
        ValueError: if ``members`` is empty, a model has non-trainable variables, the members'
            weight arrays differ in number or shape, a weight or share is NaN or infinite, or
            ``shares`` has the wrong length, a negative entry or only zeros.
    """
    if isinstance(members, (str, bytes)) or not hasattr(members, "__len__"):
        raise TypeError("members must be a list of Keras models or of weight lists")
    if len(members) == 0:
        raise ValueError("members is empty: there is nothing to average")
    lists = [_as_weight_list(m, i) for i, m in enumerate(members)]
    reference = lists[0]
    for i, other in enumerate(lists[1:], start=1):
        if len(other) != len(reference):
            raise ValueError(
                f"members[{i}] has {len(other)} weight arrays, members[0] has {len(reference)}:"
                " not the same architecture"
            )
        for j, (a, b) in enumerate(zip(reference, other)):
            if a.shape != b.shape:
                raise ValueError(f"members[{i}] weight array {j} has shape {b.shape}, members[0] has {a.shape}")
    w = check_numeric_array(shares, "shares").astype(np.float64)
    if w.ndim != 1 or len(w) != len(lists):
        raise ValueError(f"shares must hold one number per member ({len(lists)}), got shape {w.shape}")
    if np.any(w < 0):
        raise ValueError("shares must not be negative")
    if w.sum() == 0:
        raise ValueError("shares are all zero: at least one member must count")
    w = w / w.sum()
    averaged = []
    for j, first in enumerate(reference):
        total = np.zeros(first.shape, dtype=np.float64)
        for member, part in zip(lists, w):
            total += part * member[j].astype(np.float64)
        averaged.append(total.astype(first.dtype))
    return averaged


def model_with_weights(like, weights):
    """A new model of ``like``'s architecture holding ``weights`` (chapter 3).

    ``keras.models.clone_model`` builds the same layers with fresh variables; the weights are
    then set. ``like`` itself is not changed.

    Args:
        like: a Keras model of the architecture wanted.
        weights: the arrays to set, in ``model.get_weights()`` order (e.g. from
            :func:`average_weights`).

    Returns:
        The new model (not compiled).

    Raises:
        ValueError: (from Keras's ``set_weights``) if ``weights`` does not match the model's
            number of weight arrays or their shapes.
    """
    model = keras.models.clone_model(like)
    model.set_weights(weights)
    return model
