"""Many independent training runs of the book's MLP at once: *replicas* (chapter 6).

A replica is one ordinary run of the recipe (:mod:`ensemble_lib.recipe`): the weights
``build_mlp(seed, recipe)`` starts from, the batches ``training_dataset(x, y, seed, recipe)``
feeds, SGD with momentum on the cross-entropy of the logits. :func:`train_replicas` runs many
side by side: every weight has a leading replica axis, each step multiplies all replicas'
matrices in one batched product, and the whole run is one compiled TensorFlow call.

Why by hand, and not Keras? Keras can hold R copies in one model: ``EinsumDense`` layers with a
replica axis (kernels ``(R, features, hidden)``), fed one ``(batch, R, features)`` stream in which
every replica gets its own seed's batches, trained by one ``fit`` on the sum of the replicas'
losses. ``make bench`` times it beside this module in the same process: 400 replicas of the
recipe took 21-22 ms per model against this module's 6.3-7.1 ms for chapter 6's whole study of
400 runs (kept epochs and EMAs included, which the Keras model did not even track), 3 to 3.5
times as long; Keras's ``einsum`` transposes its operands at every product and tapes the gradients.
Beyond 1.5 times, the study's speed decides: the recipe's mathematics is written out once more
here, in 30 lines, and the tests hold it to Keras's: a replica follows its Keras run to within
float32 rounding (batched and single products round differently), for the book's recipe and
for another width, momentum and batch size.

How it is fast. Activations are stored transposed, ``(replicas, units, batch)``, so every
product is a batched ``matmul`` in its cheapest orientation; the gradients are written out (the
softmax cross-entropy's ``p - y``, ReLU's mask), not taped; the bias gradients are sums over
the batch; each epoch's visiting orders are drawn inside the compiled loop, once per seed
(:func:`~ensemble_lib.recipe.epoch_order` vectorises); the batches of an epoch are gathered
in one step; the replicas of one seed (under several schedules) see the same batches, so their
hidden kernels are stacked into one matrix and multiplied once; weight EMAs are kept only for
the replicas whose schedules ask for them; the whole run, kept copies included, is one compiled
call (a ``while_loop`` over epochs), not one call per epoch, and the kept copies are written in
the caller's order, so nothing is reordered afterwards. At 400 replicas a step costs about a
millisecond, three quarters of it in Eigen's small batched products. Whatever the processor,
these are the same kernels in the same order: the results are bit-identical natively and on an
emulated CPU (``tests/test_emulated_cpu.py``).

Chapter 8's CNN (convolutions, batch normalisation) takes another route to the same end: its
replicas are the groups of grouped layers in one ordinary Keras model (:mod:`ensemble_lib.cnn`),
which keeps Keras's callbacks, EMA and schedules, at 4.5 times the speed of one ``fit`` per seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from ._checks import check_int, check_labels, check_numeric_array, check_real, is_number
from .data import one_hot
from .exact import exact_softmax
from .models import initial_weights
from .recipe import RECIPE, Recipe, check_recipe, check_seed, epoch_order
from .training import _check_x, _check_xy

__all__ = ["ReplicaRun", "replica_probabilities", "replica_scores", "train_replicas", "train_schedules"]


def _check_seeds(seeds) -> np.ndarray:
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__"):
        raise TypeError("seeds must be a sequence of ints, one per replica")
    values = np.asarray(seeds)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"seeds must be a non-empty 1-D sequence of ints, got shape {values.shape}")
    if not np.issubdtype(values.dtype, np.integer):
        raise TypeError(f"seeds must be ints, got {values.dtype}")
    for s in values:
        check_seed(s, "seeds[...]")
    return values.astype(np.int64)


def _rate_table(schedule, epochs: int, steps: int) -> np.ndarray:
    """A run's schedule as a float64 table ``(epochs, steps)``.

    ``schedule``: a number; a table per epoch ``(epochs,)`` or per step ``(epochs, steps)``; or a
    schedule callback with a ``rate_table(steps)`` method (:class:`~ensemble_lib.schedules.CosineAnnealing`).
    """
    if hasattr(schedule, "rate_table"):
        table = np.asarray(schedule.rate_table(steps), dtype=np.float64)
    elif is_number(schedule):
        table = np.full((epochs, steps), check_real(schedule, "learning_rate", low=0, open_interval=True))
    else:
        table = check_numeric_array(schedule, "learning_rate").astype(np.float64)
        if table.ndim == 1:
            table = np.repeat(table[:, None], steps, axis=1)
    if table.shape != (epochs, steps):
        raise ValueError(
            f"learning_rate must be a number, a schedule callback, or a table of shape (epochs,) = ({epochs},)"
            f" or (epochs, steps_per_epoch) = ({epochs}, {steps}); got shape {table.shape}"
        )
    if np.any(table < 0):
        raise ValueError("learning_rate must hold rates >= 0")
    return table


@dataclass(frozen=True)
class ReplicaRun:
    """Replicas of one schedule, as :func:`train_replicas` returns them (chapter 6).

    Every weight list holds four arrays in ``model.get_weights()`` order, each with a leading
    replica axis: ``(replicas, features, hidden)``, ``(replicas, hidden)``, ``(replicas, hidden,
    classes)``, ``(replicas, classes)``. The fields are not checked.

    Args:
        seeds: the replicas' seeds, one per replica.
        recipe: the :class:`~ensemble_lib.recipe.Recipe` the run followed.
        schedule: the learning rate the run followed (a number, a table or a schedule callback;
            ``None``: the recipe's rate).
        weights: the final weights.
        kept: ``kept[e]``: the weights after epoch ``e`` (for the epochs asked for in ``keep``).
        ema: ``ema[m]``: Keras's weight EMA with momentum ``m`` (``use_ema=True,
            ema_momentum=m``) at the end.
    """

    seeds: np.ndarray
    recipe: Recipe
    schedule: object
    weights: list[np.ndarray]
    kept: dict[int, list[np.ndarray]] = field(default_factory=dict)
    ema: dict[float, list[np.ndarray]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.seeds)

    @property
    def cycle_ends(self) -> list[int]:
        """The epochs that end a cycle of the run's schedule (its snapshots, chapter 5).

        Raises:
            ValueError: if the run's schedule is not cyclic (has no ``cycle_ends``).
        """
        if not hasattr(self.schedule, "cycle_ends"):
            raise ValueError("cycle_ends needs a run trained with a cyclic schedule (a CosineAnnealing)")
        return list(self.schedule.cycle_ends)

    def replica(self, index: int, weights=None) -> list[np.ndarray]:
        """Replica ``index``'s arrays out of ``weights``, ready for ``model.set_weights``.

        Args:
            index: the replica's position (negative counts from the end).
            weights: stacked weights, e.g. an entry of ``kept`` (default: the final ones).

        Returns:
            A list of four arrays without the replica axis.

        Raises:
            TypeError: if ``index`` is not an int.
            ValueError: if ``index`` addresses no replica.
        """
        index = check_int(index, "index")
        if not -len(self) <= index < len(self):
            raise ValueError(f"index must address one of the {len(self)} replicas, got {index}")
        return [w[index] for w in (self.weights if weights is None else weights)]

    def subset(self, index) -> ReplicaRun:
        """The replicas selected by ``index`` (a slice or a list of positions), as a run of their own.

        Returns:
            A :class:`ReplicaRun` with the same recipe and schedule.
        """

        def pick(weights):
            return [w[index] for w in weights]

        return ReplicaRun(
            seeds=self.seeds[index],
            recipe=self.recipe,
            schedule=self.schedule,
            weights=pick(self.weights),
            kept={e: pick(w) for e, w in self.kept.items()},
            ema={m: pick(w) for m, w in self.ema.items()},
        )

    def kept_at(self, epochs) -> list[list[np.ndarray]]:
        """The weights kept after each of ``epochs`` (in the order given), for averaging or a vote.

        Returns:
            A list of stacked weight lists, one per epoch.

        Raises:
            TypeError: if an epoch is not an int.
            ValueError: if an epoch was not kept.
        """
        epochs = [check_int(e, "epochs[...]") for e in epochs]
        missing = [e for e in epochs if e not in self.kept]
        if missing:
            raise ValueError(f"epochs {missing[:5]} were not kept; kept are {sorted(self.kept)[:5]}...")
        return [self.kept[e] for e in epochs]

    def probabilities(self, x, weights=None) -> np.ndarray:
        """Every replica's softmax outputs on ``x``, ``(replicas, points, classes)``.

        Args:
            x: points ``(n_points, n_features)``.
            weights: stacked weights, e.g. an entry of ``kept`` (default: the final ones).

        Returns:
            A float32 array ``(replicas, points, classes)``.

        Raises:
            TypeError: as for :func:`replica_probabilities`.
            ValueError: as for :func:`replica_probabilities`.
        """
        return replica_probabilities(self.weights if weights is None else weights, x)

    def soft_vote(self, x, epochs) -> np.ndarray:
        """Every replica's ensemble of its models kept after ``epochs`` (a snapshot ensemble, chapter 5).

        Args:
            x: points ``(n_points, n_features)``.
            epochs: the kept epochs whose models vote.

        Returns:
            The mean of their softmax outputs on ``x``, ``(replicas, points, classes)``.

        Raises:
            ValueError: if ``epochs`` is empty or names an epoch that was not kept, or ``x`` is
                not a finite 2-D array of the right width.
            TypeError: if an epoch is not an int or ``x`` does not hold numbers.
        """
        members = self.kept_at(epochs)
        if not members:
            raise ValueError("epochs must name at least one kept epoch")
        return np.mean([replica_probabilities(m, x) for m in members], axis=0)


def _training_function(
    variables,
    velocities,
    averages,
    kept,
    x,
    targets,
    group_seeds,
    rates,
    keep_slots,
    momentum,
    emas,
    batch_size,
    l2,
):
    """The whole run of every replica as one compiled call: its SGD-momentum steps, weight EMAs
    and kept copies.

    Replicas come in groups of ``G`` that share a batch stream (the same seed under ``G``
    schedules), group-major: replica ``r`` is member ``r % G`` of group ``r // G``.
    ``variables``: the layout of :func:`_to_layout`; ``x``: the points with a column of ones
    (the hidden layer's bias rides in its kernel); ``group_seeds``: each group's seed, whose
    :func:`~ensemble_lib.recipe.epoch_order` the loop draws epoch by epoch;
    ``rates``: ``(epochs, R, steps)``; ``keep_slots[e]``: the row of ``kept`` that receives the
    weights after epoch ``e`` (``len(kept[0])`` for epochs not kept: no copy is made), stored in the
    order of :func:`_schedule_major` so that nothing needs reordering afterwards. ``emas``: a list
    of ``(rows, momenta)``: weight EMAs with these momenta for the replicas ``rows`` (``None``:
    all), whose ``averages`` hold one list of variables per momentum, in order. ``l2``: the
    weight decay of each replica on both kernels (not on the biases). One call rather
    than one per epoch: each call of a compiled function costs about a millisecond of Python. A
    module-level factory, so that the tests can trace it and inspect every kernel.
    """
    n_points = int(x.shape[0])
    epochs, groups = int(rates.shape[0]), int(group_seeds.shape[0])
    replicas, hidden_units, inputs = (int(d) for d in variables[0].shape)
    classes = int(variables[1].shape[1])
    size_of_group = replicas // groups
    # Python floats become float32 constants, as Keras's ``ops.multiply(m, momentum)`` does.
    momentum = tf.constant(momentum, tf.float32)
    emas = [(rows, [tf.constant(m, tf.float32) for m in momenta]) for rows, momenta in emas]
    one = tf.constant(1.0, tf.float32)
    kernel_1, kernel_2, bias_2 = variables
    # Keras's L2 regulariser adds l2 * sum(W ** 2) to the loss: 2 * l2 * W to a kernel's gradient
    # (doubling is exact, so this rounds as Keras's l2 * (2 * W) does). The hidden layout carries
    # its bias in the last column, which is masked out.
    decay = tf.constant((2.0 * np.asarray(l2, np.float64))[:, None, None], tf.float32) if np.any(l2) else None
    not_bias = tf.constant(np.r_[np.ones(inputs - 1), 0.0].astype(np.float32)[None, None, :])
    n_kept = int(kept[0].shape[0])
    # The EMA's fused kernel also writes a variable nothing reads: one scratch set per row set.
    scratch = [[tf.Variable(tf.zeros_like(a)) for a in shadows[0]] for shadows in averages]

    @tf.function(jit_compile=False, autograph=False)
    def run():
        def epoch_body(epoch):
            order = epoch_order(n_points, group_seeds, epoch)  # (groups, points)
            epoch_rates = rates[epoch][:, None, None, :]  # (R, 1, 1, steps)
            points = tf.transpose(tf.gather(x, order), [0, 2, 1])  # (groups, features + 1, points)
            each = tf.repeat(points, size_of_group, axis=0)  # (R, features + 1, points)
            labels = tf.transpose(tf.gather(targets, order), [0, 2, 1])[:, None]  # (groups, 1, classes, points)

            def train_step(step, start, size: int):
                """One step on the batch of ``size`` points from ``start`` (``step``, ``start``:
                Python ints or tensors)."""
                xb = tf.slice(points, tf.stack([0, 0, start]), [-1, -1, size])
                yb = tf.slice(labels, tf.stack([0, 0, 0, start]), [-1, -1, -1, size])

                # Forward: Dense + ReLU, Dense; the loss is taken from the logits, as Keras does.
                # A group's hidden kernels are stacked into one matrix, one product per group
                # (the gradient's product stays one per replica: grouped, it rounds differently).
                stacked = tf.reshape(kernel_1, [groups, size_of_group * hidden_units, inputs])
                z_1 = tf.reshape(tf.matmul(stacked, xb), [replicas, hidden_units, size])
                hidden = tf.nn.relu(z_1)
                logits = tf.matmul(kernel_2, hidden) + bias_2
                p = exact_softmax(logits, axis=1)  # classes are axis 1 in this layout
                # Backward: d(mean cross-entropy)/d(logits) = (p - y) / batch size (one-hot y).
                p = tf.reshape(p, [groups, size_of_group, classes, size])
                d_logits = (p - yb) / float(size)
                d_logits = tf.reshape(d_logits, [replicas, classes, size])
                d_z_1 = tf.raw_ops.ReluGrad(gradients=tf.matmul(kernel_2, d_logits, transpose_a=True), features=z_1)
                # The hidden kernel's gradient is taken transposed, (features + 1, hidden): that
                # orientation of the product costs a quarter less than (hidden, features + 1).
                d_kernel_1 = tf.matmul(tf.slice(each, tf.stack([0, 0, start]), [-1, -1, size]), d_z_1, transpose_b=True)
                gradients = (
                    tf.transpose(d_kernel_1, [0, 2, 1]),
                    tf.matmul(d_logits, hidden, transpose_b=True),
                    tf.reduce_sum(d_logits, axis=2, keepdims=True),
                )
                if decay is not None:
                    gradients = (
                        gradients[0] + decay * kernel_1 * not_bias,
                        gradients[1] + decay * kernel_2,
                        gradients[2],
                    )
                # Keras 3's SGD, m = momentum * m - lr * g; w = w + m, as one fused kernel per variable.
                rate = epoch_rates[..., step]
                for variable, velocity, gradient in zip(variables, velocities, gradients):
                    tf.raw_ops.ResourceApplyKerasMomentum(
                        var=variable.handle, accum=velocity.handle, lr=one, grad=gradient * rate, momentum=momentum
                    )
                # Keras's weight EMA, a = m * a + (1 - m) * w (m = 0 at the first step: a copy). The
                # same fused kernel computes it as a = m * a - (m - 1) * w; it also adds a to a
                # scratch variable, which nothing reads.
                # Only the replicas that asked for an EMA pay for one.
                not_first = tf.cast(tf.logical_or(step > 0, epoch > 0), tf.float32)
                for (rows, momenta), shadows, sinks in zip(emas, averages, scratch):
                    tracked = [v.read_value() if rows is None else tf.gather(v, rows) for v in variables]
                    for m, shadow in zip(momenta, shadows):
                        share = not_first * m
                        for average, weight, sink in zip(shadow, tracked, sinks):
                            tf.raw_ops.ResourceApplyKerasMomentum(
                                var=sink.handle, accum=average.handle, lr=share - 1, grad=weight, momentum=share
                            )
                return step + 1

            # The full batches run in an inner loop, traced once; a last, smaller batch after it.
            full, rest = divmod(n_points, batch_size)
            if full:
                tf.while_loop(
                    lambda step: step < full,
                    lambda step: train_step(step, step * batch_size, batch_size),
                    (tf.constant(0),),
                    parallel_iterations=1,
                )
            if rest:
                train_step(full, full * batch_size, rest)
            slot = keep_slots[epoch]

            def keep_copy():
                for copies, variable in zip(kept, variables):
                    copies.scatter_nd_update([[slot]], _schedule_major(variable.read_value(), groups)[None])
                return tf.constant(0)

            if n_kept:
                tf.cond(slot < n_kept, keep_copy, lambda: tf.constant(0))
            return (epoch + 1,)

        tf.while_loop(lambda epoch: epoch < epochs, epoch_body, (tf.constant(0),), parallel_iterations=1)

    return run


def _to_layout(weights: list[np.ndarray]) -> list[np.ndarray]:
    """Stacked ``get_weights()`` arrays -> the trainer's layout (float32): the hidden kernel
    transposed with its bias as an extra column ``(R, hidden, features + 1)``, the output kernel
    transposed ``(R, classes, hidden)``, the output bias as a column ``(R, classes, 1)``."""
    kernel_1, bias_1, kernel_2, bias_2 = weights
    layout = [
        np.concatenate([np.transpose(kernel_1, (0, 2, 1)), bias_1[:, :, None]], axis=2),
        np.transpose(kernel_2, (0, 2, 1)),
        bias_2[:, :, None],
    ]
    return [np.ascontiguousarray(a, dtype=np.float32) for a in layout]


def _schedule_major(variable, groups: int):
    """A layout array ``(groups * G, rows, cols)``, replica ``i * G + g`` -> the caller's order
    ``(G * groups, cols, rows)``, replica ``g * groups + i`` (schedule by schedule), in TensorFlow."""
    replicas, rows, cols = (int(d) for d in variable.shape)
    grouped = tf.reshape(variable, [groups, replicas // groups, rows, cols])
    return tf.reshape(tf.transpose(grouped, [1, 0, 3, 2]), [replicas, cols, rows])


def _from_layout(arrays, n_seeds: int, groups: int) -> list[np.ndarray]:
    """The three layout arrays in the caller's order (:func:`_schedule_major`; any leading axes,
    such as the kept epochs, stay) -> the four ``get_weights()`` arrays, ``n_seeds`` replicas per
    schedule: a twin group is dropped. Views into ``arrays``, except when a twin is dropped."""

    def seeds_only(a):
        *lead, replicas, cols, rows = a.shape
        if groups == n_seeds:
            return a
        a = a.reshape(*lead, replicas // groups, groups, cols, rows)[..., :n_seeds, :, :]
        return a.reshape(*lead, replicas // groups * n_seeds, cols, rows)

    kernel_1, kernel_2, bias_2 = (seeds_only(a) for a in arrays)
    return [kernel_1[..., :-1, :], kernel_1[..., -1, :], kernel_2, bias_2[..., 0, :]]


def train_replicas(x, y, seeds, recipe: Recipe = RECIPE, learning_rate=None, keep=(), ema_momenta=()) -> ReplicaRun:
    """Train one replica of the recipe per seed, all at once (chapter 6).

    Replica ``i`` is the run ``train(compile_sgd(build_mlp(seeds[i], recipe), recipe), x, y,
    seeds[i], recipe)`` would make, to within float32 rounding. The replicas are independent runs;
    only the rounding of a few numbers can depend on who else trains alongside (where a number
    sits in the stacked arrays decides whether a vectorised or a scalar kernel computes it).

    Args:
        x: training points ``(n_points, n_features)``.
        y: integer labels or one-hot rows.
        seeds: one seed per replica.
        recipe: the :class:`~ensemble_lib.recipe.Recipe` (width, momentum, batch size, epochs).
        learning_rate: replaces the recipe's rate: a number, a table per epoch ``(epochs,)`` or per
            step ``(epochs, steps_per_epoch)``, or a :class:`~ensemble_lib.schedules.CosineAnnealing`
            (``None``: the recipe's rate).
        keep: the epochs after which to keep every replica's weights (chapters 3 and 5), in
            ``[0, epochs - 1]``.
        ema_momenta: momenta of Keras-style weight EMAs to track (chapter 3), each in ``(0, 1)``,
            none repeated.

    Returns:
        A :class:`ReplicaRun`.

    Raises:
        TypeError: for arguments of the wrong type.
        ValueError: for arguments of the wrong shape or range.
    """
    return _train(x, y, seeds, {"run": learning_rate}, recipe, keep, ema_momenta, name_errors=False)["run"]


def train_schedules(
    x, y, seeds, schedules, recipe: Recipe = RECIPE, keep=(), ema_momenta=(), l2=None
) -> dict[str, ReplicaRun]:
    """One replica per seed for every named learning-rate schedule, all in one run (chapter 6).

    Stacking every schedule into one computation shares its fixed cost per step among all of
    them; the replicas stay independent, so the result is what separate calls would give (to the
    rounding :func:`train_replicas` describes). The replicas of one seed share its batches, so
    their hidden layers' forward products are one product per seed.

    Args:
        x: as for :func:`train_replicas`.
        y: as for :func:`train_replicas`.
        seeds: as for :func:`train_replicas`.
        schedules: a dict of name -> learning rate, anything ``train_replicas`` accepts
            (``None``: the recipe's rate).
        recipe: as for :func:`train_replicas`.
        keep: as for :func:`train_replicas`.
        ema_momenta: as for :func:`train_replicas` (for every schedule), or a dict of schedule
            name -> momenta for the schedules that want EMAs: only their replicas pay for them.
        l2: a dict of schedule name -> weight decay (the ``l2`` of :class:`~ensemble_lib.recipe.Recipe`) for
            the schedules that want their own (``None``, or a name left out: the recipe's). A run's
            ``recipe`` says which it had. Several decays train in one call, as schedules do.

    Returns:
        A dict with one :class:`ReplicaRun` per name, in the order given.

    Raises:
        TypeError: for arguments of the wrong type, and if ``schedules`` is not a dict.
        ValueError: for arguments of the wrong shape or range, if ``schedules`` is empty or
            ``ema_momenta`` names a schedule it does not hold; an error in a schedule names it.
    """
    return _train(x, y, seeds, schedules, recipe, keep, ema_momenta, name_errors=True, l2=l2)


def _train(x, y, seeds, schedules, recipe, keep, ema_momenta, name_errors: bool, l2=None) -> dict[str, ReplicaRun]:
    """:func:`train_schedules`; ``name_errors``: prefix a schedule's errors with its name."""
    x, y = _check_xy(x, y, "train_replicas")
    n_points, n_features = x.shape
    # Integer labels or exact one-hot rows (check_labels refuses anything else), as one-hot rows.
    labels = check_labels(y, "train_replicas: y", n_points=n_points)
    targets = np.asarray(one_hot(labels) if y.ndim == 1 else y, dtype=np.float32)
    seeds = _check_seeds(seeds)
    recipe = check_recipe(recipe)
    epochs, steps = recipe.epochs, recipe.steps_per_epoch(n_points)
    if not isinstance(schedules, dict):
        raise TypeError(f"schedules must be a dict of name -> learning rate, got {type(schedules).__name__}")
    if not schedules:
        raise ValueError("schedules must name at least one learning rate")
    tables = []
    for name, rate in schedules.items():
        try:
            tables.append(_rate_table(recipe.learning_rate if rate is None else rate, epochs, steps))
        except (TypeError, ValueError) as error:
            if not name_errors:
                raise
            raise type(error)(f"schedules[{name!r}]: {error}") from None
    keep = sorted({check_int(e, "keep[...]") for e in keep})
    if keep and not 0 <= keep[0] <= keep[-1] < epochs:
        raise ValueError(f"keep must list epochs in [0, {epochs - 1}], got {keep[0]}..{keep[-1]}")
    ema_momenta = _check_ema_momenta(ema_momenta, list(schedules), per_schedule=name_errors)
    recipes = _check_l2(l2, recipe, list(schedules))

    # One group per entry of seeds, holding its replicas under every schedule: replica i * G + g
    # is seeds[i] under schedule g. A lone group would take TensorFlow's single-matrix path, which
    # rounds differently from the batched one: a twin keeps it batched.
    n, size_of_group = len(seeds), len(tables)
    group_seeds = np.repeat(seeds, 2) if n == 1 else seeds
    groups = len(group_seeds)
    distinct, seed_of = np.unique(group_seeds, return_inverse=True)
    rates = np.tile(np.stack(tables), (len(group_seeds), 1, 1))  # (replicas, epochs, steps)
    starts = [initial_weights(int(s), recipe, n_features, targets.shape[1]) for s in distinct]
    replica_seed = np.repeat(seed_of, size_of_group)
    start = _to_layout([np.stack([starts[i][j] for i in replica_seed]) for j in range(4)])
    variables = [tf.Variable(w) for w in start]
    velocities = [tf.Variable(tf.zeros_like(w)) for w in start]
    # EMAs: the schedules that asked for the same momenta share one set of averages, over their
    # replicas only (rows in group-major order, as in the layout; None: every replica).
    emas, tracked_by = [], {}
    for momenta in dict.fromkeys(m for m in ema_momenta.values() if m):
        tracked = [g for g, name in enumerate(schedules) if ema_momenta[name] == momenta]
        rows = None if len(tracked) == size_of_group else np.add.outer(np.arange(groups) * size_of_group, tracked)
        emas.append((None if rows is None else tf.constant(rows.ravel(), tf.int32), momenta))
        tracked_by[momenta] = tracked
    averages = [
        [[tf.Variable(w if rows is None else tf.gather(w, rows)) for w in start] for _ in momenta]
        for rows, momenta in emas
    ]
    # Kept weights go to rows of one variable per layout array, already in the caller's order;
    # epochs not kept point past the last row (and are skipped).
    keep_slots = np.full(epochs, len(keep), dtype=np.int32)
    keep_slots[keep] = np.arange(len(keep))
    kept = [tf.Variable(tf.zeros((len(keep), w.shape[0], w.shape[2], w.shape[1]))) for w in start]
    # Each call builds and traces its own function (its variables and shapes are its own), so
    # TensorFlow's warning about functions retraced in a loop does not apply: it is silenced.
    logger, level = tf.get_logger(), tf.get_logger().level
    logger.setLevel("ERROR")
    try:
        _training_function(
            variables,
            velocities,
            averages,
            kept,
            tf.constant(np.hstack([x, np.ones((n_points, 1), np.float32)])),
            tf.constant(targets),
            tf.constant(group_seeds, tf.int64),
            tf.constant(np.transpose(rates, (1, 0, 2)), tf.float32),  # (epochs, replicas, steps)
            tf.constant(keep_slots),
            recipe.momentum,
            emas,
            recipe.batch_size,
            np.tile([r.l2 for r in recipes.values()], groups),  # replica i * G + g: schedule g
        )()
    finally:
        logger.setLevel(level)

    def caller_order(layout):
        return _from_layout([_schedule_major(v.read_value(), groups).numpy() for v in layout], n, groups)

    weights = caller_order(variables)
    kept = _from_layout([v.numpy() for v in kept], n, groups)
    ema = {}  # (schedule, momentum) -> weights
    for (_, momenta), shadows in zip(emas, averages):
        for m, shadow in zip(momenta, shadows):
            for position, g in enumerate(tracked_by[momenta]):
                ema[g, m] = [a[position * n : (position + 1) * n] for a in caller_order(shadow)]
    runs = {}
    for g, (name, schedule) in enumerate(schedules.items()):
        mine = slice(g * n, (g + 1) * n)
        runs[name] = ReplicaRun(
            seeds=seeds,
            recipe=recipes[name],
            schedule=schedule,
            weights=[a[mine] for a in weights],
            kept={e: [a[i, mine] for a in kept] for i, e in enumerate(keep)},
            ema={m: ema[g, m] for m in ema_momenta[name]},
        )
    return runs


def _check_l2(l2, recipe: Recipe, names: list) -> dict:
    """Each schedule's recipe: ``recipe`` with the weight decay ``l2`` names for it (a dict), if any."""
    if l2 is None:
        return dict.fromkeys(names, recipe)
    if not isinstance(l2, dict):
        raise TypeError(f"l2 must be None or a dict of schedule name -> weight decay, got {type(l2).__name__}")
    unknown = [k for k in l2 if k not in names]
    if unknown:
        raise ValueError(f"l2 names schedules that are not in schedules: {unknown}")
    return {name: recipe.replace(l2=l2[name]) if name in l2 else recipe for name in names}


def _check_ema_momenta(ema_momenta, names: list, per_schedule: bool) -> dict:
    """``ema_momenta`` as a dict of schedule name -> tuple of momenta (checked, each in (0, 1)).

    A sequence applies to every schedule; a dict (``per_schedule``, i.e. :func:`train_schedules`)
    names the schedules that want EMAs.
    """
    if isinstance(ema_momenta, dict):
        if not per_schedule:
            raise TypeError("ema_momenta must be a sequence of momenta (a dict is for train_schedules)")
        unknown = [k for k in ema_momenta if k not in names]
        if unknown:
            raise ValueError(f"ema_momenta names schedules that are not in schedules: {unknown}")
        wanted = {name: ema_momenta.get(name, ()) for name in names}
    elif isinstance(ema_momenta, (str, bytes)) or not hasattr(ema_momenta, "__iter__"):
        raise TypeError("ema_momenta must be a sequence of momenta, or a dict of schedule name -> momenta")
    else:
        wanted = dict.fromkeys(names, ema_momenta)
    checked = {}
    for name, momenta in wanted.items():
        if isinstance(momenta, (str, bytes)) or not hasattr(momenta, "__iter__"):
            raise TypeError(f"ema_momenta[{name!r}] must be a sequence of momenta")
        values = tuple(check_real(m, "ema_momenta[...]", 0, 1, open_interval=True) for m in momenta)
        if len(set(values)) != len(values):
            raise ValueError(f"ema_momenta must not repeat a momentum, got {values}")
        checked[name] = values
    return checked


def _check_stacked(weights) -> list[tf.Tensor]:
    if not isinstance(weights, (list, tuple)) or len(weights) != 4:
        raise TypeError("weights must be a list of four stacked arrays (a ReplicaRun's weights)")
    arrays = [check_numeric_array(w, f"weights[{j}]").astype(np.float32) for j, w in enumerate(weights)]
    n = arrays[0].shape[0]
    for j, (a, ndim) in enumerate(zip(arrays, (3, 2, 3, 2))):
        if a.ndim != ndim or a.shape[0] != n:
            raise ValueError(f"weights[{j}] must have {ndim} axes and {n} replicas, got shape {a.shape}")
    return [tf.constant(a) for a in arrays]


def replica_probabilities(weights, x) -> np.ndarray:
    """Every replica's softmax outputs on ``x``: shape ``(replicas, points, classes)`` (chapter 6).

    Args:
        weights: stacked weights, as in a :class:`ReplicaRun`.
        x: points ``(n_points, n_features)``.

    Returns:
        A float32 array ``(replicas, points, classes)``.

    Raises:
        TypeError: if ``weights`` is not a list of four arrays, or ``weights`` or ``x`` does not
            hold numbers.
        ValueError: if an array of ``weights`` is not finite or has the wrong number of axes or of
            replicas, or ``x`` is not a finite, non-empty 2-D array with as many columns as the
            weights' inputs.
    """
    stacked = _check_stacked(weights)
    x = _check_x(x, "replica_probabilities")
    if x.shape[1] != stacked[0].shape[1]:
        raise ValueError(f"x must be a 2-D array with {stacked[0].shape[1]} columns, got shape {x.shape}")
    return _probabilities(stacked, tf.constant(x)).numpy()


def _probabilities(stacked, x):
    """The forward pass of every replica on the same points ``x`` (points, features)."""
    kernel_1, bias_1, kernel_2, bias_2 = stacked
    batch = tf.broadcast_to(x, [tf.shape(kernel_1)[0], tf.shape(x)[0], tf.shape(x)[1]])
    hidden = tf.nn.relu(tf.matmul(batch, kernel_1) + bias_1[:, None, :])
    return exact_softmax(tf.matmul(hidden, kernel_2) + bias_2[:, None, :])


def replica_scores(probabilities, y) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and log-loss of every replica's ``probabilities`` against the labels ``y`` (chapter 6).

    Log-loss in nats, probabilities clipped at 1e-7 as in :func:`~ensemble_lib.training.log_loss`.

    Args:
        probabilities: softmax outputs ``(replicas, points, classes)``, e.g. from
            :func:`replica_probabilities`.
        y: integer labels or one-hot rows, one per point.

    Returns:
        ``(accuracy, log_loss)``: two arrays with one value per replica.

    Raises:
        TypeError: if ``probabilities`` does not hold numbers or ``y`` holds non-integer labels.
        ValueError: if ``probabilities`` is not a finite 3-D array in ``[0, 1]``, or ``y`` is not
            one label per point in ``0..classes - 1``.
    """
    p = check_numeric_array(probabilities, "probabilities").astype(np.float64)
    if p.ndim != 3:
        raise ValueError(f"probabilities must have shape (replicas, points, classes), got {p.shape}")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError("probabilities must lie in [0, 1]")
    labels = check_labels(y, "replica_scores: y", n_points=p.shape[1], n_classes=p.shape[2])
    accuracy = (p.argmax(axis=2) == labels).mean(axis=1)
    picked = np.take_along_axis(p, labels[None, :, None], axis=2)[..., 0]
    loss = -np.log(np.clip(picked, 1e-7, 1.0)).mean(axis=1)
    return accuracy, loss
