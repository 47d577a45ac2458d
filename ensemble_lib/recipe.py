"""The book's training recipe, written down once, and where every run's randomness comes from.

Introduced in chapter 2 (the MLP baseline).

:class:`Recipe` holds what chapter 2 chooses: the network's width, SGD's learning rate and
momentum, the batch size and the number of epochs. :func:`~ensemble_lib.models.build_mlp`,
:func:`~ensemble_lib.training.compile_sgd`, :func:`~ensemble_lib.training.train` and the replica
trainer of chapter 6 (:func:`~ensemble_lib.replicas.train_replicas`) all read it, so changing
the width or the momentum is one edit (``RECIPE.replace(momentum=0.8)``), and the Keras run and
its replica change together.

A run's randomness is fixed by one integer, its seed, through two documented derivations:

* :func:`layer_seeds`: every layer's initial weights get their own stream, derived from the
  run's seed with NumPy's ``SeedSequence`` (a hash of the seed and the layer's position), so no
  two seeds or layers share a stream;
* :func:`epoch_order`: the order in which epoch ``e`` visits the training points is the sort
  order of a hash of ``(seed, e, point)``, a pure function of the three integers that runs the
  same in TensorFlow (inside ``tf.data``) and for many seeds and epochs at once (chapter 6).

Both are integer arithmetic only: the same on every processor.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import tensorflow as tf

from ._checks import check_int, check_real, check_seed

__all__ = ["RECIPE", "Recipe", "epoch_order", "layer_seeds"]


def check_sgd_fields(recipe) -> None:
    """The training fields every recipe has (this one's and chapter 8's ``CNNRecipe``), checked."""
    check_real(recipe.learning_rate, "learning_rate", low=0, open_interval=True)
    check_real(recipe.momentum, "momentum")
    if not 0 <= recipe.momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {recipe.momentum}")
    check_int(recipe.batch_size, "batch_size", minimum=1)
    check_int(recipe.epochs, "epochs", minimum=1)


@dataclass(frozen=True)
class Recipe:
    """Chapter 2's training recipe: ``RECIPE`` is the book's; ``RECIPE.replace(...)`` a variant.

    Args:
        hidden_units: width of the hidden ``Dense`` layer (ReLU).
        learning_rate: SGD's learning rate when no schedule replaces it.
        momentum: SGD's momentum, in ``[0, 1)``.
        batch_size: points per mini-batch (100 points: batches of 32, 32, 32 and 4).
        epochs: passes over the training set.
        l2: weight decay as Keras writes it, ``kernel_regularizer=keras.regularizers.L2(l2)`` on
            both ``Dense`` layers: ``l2 * sum(W ** 2)`` per kernel added to the loss (biases
            are not penalised); 0 (the book's recipe): none. Chapter 7 tunes it.

    Raises:
        TypeError: when a field is not a number of the right kind (an int for ``hidden_units``,
            ``batch_size`` and ``epochs``).
        ValueError: when a field is out of range: a count below 1, a learning rate that is not
            positive and finite, a momentum outside ``[0, 1)``, an ``l2`` that is negative or
            not finite.
    """

    hidden_units: int = 25
    learning_rate: float = 0.01
    momentum: float = 0.9
    batch_size: int = 32
    epochs: int = 500
    l2: float = 0.0

    def __post_init__(self):
        check_int(self.hidden_units, "hidden_units", minimum=1)
        check_sgd_fields(self)
        check_real(self.l2, "l2", low=0)

    def replace(self, **changes) -> Recipe:
        """A copy with ``changes`` applied (checked like the original).

        Args:
            **changes: new values of fields, by name.

        Returns:
            A new :class:`Recipe`.

        Raises:
            TypeError: if a name is not a field, or a value is not a number of the right kind.
            ValueError: if a value is out of range.
        """
        return dataclasses.replace(self, **changes)

    def steps_per_epoch(self, n_points: int) -> int:
        """Mini-batches in one epoch over ``n_points``: ``ceil(n_points / batch_size)``.

        Raises:
            TypeError: if ``n_points`` is not an int.
            ValueError: if ``n_points`` is below 1.
        """
        n_points = check_int(n_points, "n_points", minimum=1)
        return -(-n_points // self.batch_size)


#: The book's recipe, the defaults of :class:`Recipe`: every chapter trains with it or a
#: ``RECIPE.replace(...)`` of it.
RECIPE = Recipe()


def check_recipe(recipe) -> Recipe:
    """``recipe`` itself if it is a :class:`Recipe`; a ``TypeError`` otherwise."""
    if not isinstance(recipe, Recipe):
        raise TypeError(f"recipe must be a Recipe (e.g. el.RECIPE), got {type(recipe).__name__}")
    return recipe


def layer_seeds(seed: int, n_layers: int) -> list[int]:
    """Independent seeds for the initial weights of ``n_layers`` layers of the run ``seed`` (chapter 2).

    ``SeedSequence(seed).generate_state(n_layers)``: NumPy's hash of the seed into as many 32-bit
    words (halved to fit Keras's int seeds). Neighbouring run seeds give unrelated words, so the
    output layer of seed 3 does not start where the hidden layer of seed 4 does.

    Args:
        seed: the run's seed, in ``[0, 2**31 - 1)``.
        n_layers: how many seeds, one per layer; at least 1.

    Returns:
        A list of ``n_layers`` ints in ``[0, 2**31)``, first layer first.

    Raises:
        TypeError: if ``seed`` or ``n_layers`` is not an int.
        ValueError: if ``seed`` lies outside ``[0, 2**31 - 1)`` or ``n_layers`` is below 1.
    """
    seed = check_seed(seed)
    n_layers = check_int(n_layers, "n_layers", minimum=1)
    return [int(word >> 1) for word in np.random.SeedSequence(seed).generate_state(n_layers, np.uint32)]


_GOLDEN = 0x9E3779B97F4A7C15  # SplitMix64's increment


def _mix(z):
    """SplitMix64's finaliser on uint64 tensors: a bijection that scatters every input bit."""
    z = tf.bitwise.bitwise_xor(z, tf.bitwise.right_shift(z, tf.constant(30, tf.uint64)))
    z = z * tf.constant(0xBF58476D1CE4E5B9, tf.uint64)
    z = tf.bitwise.bitwise_xor(z, tf.bitwise.right_shift(z, tf.constant(27, tf.uint64)))
    z = z * tf.constant(0x94D049BB133111EB, tf.uint64)
    return tf.bitwise.bitwise_xor(z, tf.bitwise.right_shift(z, tf.constant(31, tf.uint64)))


def epoch_order(n_points: int, seed, epoch) -> tf.Tensor:
    """The order in which epoch ``epoch`` of the run ``seed`` visits ``n_points`` points (chapter 2).

    Point ``j`` gets the key ``mix(mix(mix(seed + c) ^ epoch) ^ j)`` (``mix``: SplitMix64's
    finaliser, ``c`` its constant); the order sorts the keys. A pure function of the three
    integers, so a resumed run sees the batches the uninterrupted one saw (chapter 3).

    Args:
        n_points: number of training points.
        seed: the run's seed: an int or an integer tensor.
        epoch: the epoch: an int or an integer tensor.

    Returns:
        int64 tensor of shape ``broadcast(seed, epoch).shape + (n_points,)``: pass arrays of
        seeds ``(S, 1)`` and epochs ``(1, E)`` to get every order of every run at once.

    Raises:
        TypeError: if ``n_points`` is not an int.
        ValueError: if ``n_points`` is below 1.
    """
    n_points = check_int(n_points, "n_points", minimum=1)
    seed = tf.cast(tf.convert_to_tensor(seed), tf.uint64)
    epoch = tf.cast(tf.convert_to_tensor(epoch), tf.uint64)
    points = tf.cast(tf.range(n_points, dtype=tf.int64), tf.uint64)
    run_key = _mix(seed + tf.constant(_GOLDEN, tf.uint64))
    epoch_key = _mix(tf.bitwise.bitwise_xor(run_key, epoch))[..., None]
    keys = _mix(tf.bitwise.bitwise_xor(epoch_key, points))
    # 63 bits as int64 (argsort's type); a tie (about 1 in 10**15 per epoch) keeps point order.
    return tf.argsort(tf.cast(tf.bitwise.right_shift(keys, tf.constant(1, tf.uint64)), tf.int64), stable=True)
