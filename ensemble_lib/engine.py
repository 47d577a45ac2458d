"""Many independent training runs of the book's MLP at once, as one compiled computation.

Introduced in chapter 06 (does it really help?).

A *replica* is one ordinary training run of chapter 02's recipe: the model ``build_mlp(hidden,
seed)`` starts from, the mini-batches ``training_dataset(x, y, seed=seed)`` feeds it, SGD with
momentum on the categorical cross-entropy. :func:`train_replicas` runs many replicas side by
side: their weights are stacked along a leading replica axis, every step updates all of them
with batched matrix products, and the whole epoch is one compiled TensorFlow function. Keras's
``fit`` spends most of its time on per-step bookkeeping that does not depend on the model's
size; here that cost is paid once for every replica together.

Why not ``keras`` itself, e.g. many models in one ``fit``? A Keras model trains one set of
weights on one stream of batches; replicas need their own batch order each. Why TensorFlow and
not NumPy? TensorFlow's CPU kernels are the ones whose numbers the book has pinned down (see
:mod:`ensemble_lib.reproducibility`); NumPy's matrix products go through a BLAS that picks its
code by CPU, which would break "the same digits on every machine".

The arithmetic is Keras's, operation for operation: the forward pass of ``Dense`` (matrix
product, bias, ReLU; the exact softmax of :mod:`ensemble_lib.exact`), the loss from the logits (as Keras does for a softmax output),
the mean over the batch, and Keras 3's SGD update ``m = momentum * m - lr * g; w = w + m``.
The bias gradient is summed over the batch in row order, as TensorFlow's ``BiasAddGrad`` in
Keras's own training step does. Batched and single matrix products may round differently in
the last bit, so a replica follows its Keras run to within float32 rounding rather than bit for
bit (``tests/test_engine.py`` measures how close).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import tensorflow as tf

from ._checks import check_int, check_labels, check_numeric_array, check_positive, check_real
from .exact import exact_softmax
from .models import initial_weights
from .data import one_hot
from .training import _check_x, _check_xy, epoch_order, steps_per_epoch


def _check_seeds(seeds) -> np.ndarray:
    if isinstance(seeds, (str, bytes)) or not hasattr(seeds, "__len__"):
        raise TypeError("seeds must be a sequence of ints, one per replica")
    values = np.asarray(seeds)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(f"seeds must be a non-empty 1-D sequence of ints, got shape {values.shape}")
    if not np.issubdtype(values.dtype, np.integer):
        raise TypeError(f"seeds must be ints, got {values.dtype}")
    if np.any(values < 0) or np.any(values >= 2**31 - 2):
        raise ValueError("seeds must lie in [0, 2**31 - 2)")
    return values.astype(np.int64)


def _rate_table(learning_rate, n_replicas: int, epochs: int, steps: int) -> np.ndarray:
    """Any accepted form of ``learning_rate`` as a float32 table (replicas, epochs, steps)."""
    if isinstance(learning_rate, (int, float, np.integer, np.floating)) and not isinstance(learning_rate, bool):
        check_positive(learning_rate, "learning_rate")
        return np.full((n_replicas, epochs, steps), learning_rate, dtype=np.float32)
    table = np.asarray(learning_rate, dtype=np.float64)
    shapes = {1: (epochs,), 2: (epochs, steps), 3: (n_replicas, epochs, steps)}
    if table.ndim not in shapes or table.shape != shapes[table.ndim]:
        raise ValueError(
            "learning_rate must be a number, or a table of shape "
            f"(epochs,) = {shapes[1]}, (epochs, steps_per_epoch) = {shapes[2]} or "
            f"(replicas, epochs, steps_per_epoch) = {shapes[3]}; got shape {table.shape}"
        )
    if not np.all(np.isfinite(table)) or np.any(table < 0):
        raise ValueError("learning_rate must hold finite rates >= 0")
    if table.ndim == 1:
        table = np.repeat(table[:, None], steps, axis=1)
    return np.broadcast_to(table, (n_replicas, epochs, steps)).astype(np.float32)


@functools.lru_cache(maxsize=4)
def _orders(seeds: tuple[int, ...], n_points: int, epochs: int) -> tf.Tensor:
    """Every replica's visiting order for every epoch, shape (epochs, replicas, n_points).

    The same ``epoch_order`` that ``training_dataset`` uses, drawn in one compiled call. Runs
    that share their seeds (every method of chapter 06) share this table, hence the cache.
    """

    @tf.function(jit_compile=False)
    def draw(seeds, epochs):
        pairs = tf.reshape(tf.stack(tf.meshgrid(epochs, seeds, indexing="ij"), axis=-1), [-1, 2])
        flat = tf.map_fn(lambda p: epoch_order(n_points, p[1], p[0]), pairs, fn_output_signature=tf.int64)
        return tf.cast(tf.reshape(flat, [tf.size(epochs), tf.size(seeds), n_points]), tf.int32)

    return draw(tf.constant(seeds, tf.int64), tf.range(epochs, dtype=tf.int64))


def _stack(per_replica: list[list[np.ndarray]]) -> list[np.ndarray]:
    return [np.stack([weights[j] for weights in per_replica]) for j in range(len(per_replica[0]))]


@tf.custom_gradient
def _add_bias(z, bias):
    """``z + bias`` whose bias gradient sums the batch rows in order, as ``BiasAddGrad`` does."""

    def gradient(upstream):
        return upstream, tf.math.cumsum(upstream, axis=1)[:, -1:, :]

    return z + bias, gradient


def _logits(weights, x):
    """The MLP's pre-softmax outputs for stacked ``weights`` on ``x`` of shape (replicas, points, features)."""
    kernel_1, bias_1, kernel_2, bias_2 = weights
    hidden = tf.nn.relu(_add_bias(tf.matmul(x, kernel_1), bias_1[:, None, :]))
    return _add_bias(tf.matmul(hidden, kernel_2), bias_2[:, None, :])


@dataclass(frozen=True)
class ReplicaRun:
    """What :func:`train_replicas` returns (chapter 06).

    Every weight list holds four arrays in ``model.get_weights()`` order, each with a leading
    replica axis: ``(replicas, features, hidden)``, ``(replicas, hidden)``, ``(replicas, hidden,
    classes)``, ``(replicas, classes)``. ``weights`` are the final weights; ``kept[e]`` the
    weights after epoch ``e`` (for the epochs asked for in ``keep``); ``ema[m]`` Keras's weight
    EMA with momentum ``m`` (``use_ema=True, ema_momentum=m``) at the end.
    """

    seeds: np.ndarray
    hidden_units: int
    weights: list[np.ndarray]
    kept: dict[int, list[np.ndarray]] = field(default_factory=dict)
    ema: dict[float, list[np.ndarray]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.seeds)

    def replica(self, index: int, weights=None) -> list[np.ndarray]:
        """Replica ``index``'s arrays out of ``weights`` (default: the final ones), ready for
        ``model.set_weights``."""
        index = check_int(index, "index")
        if not -len(self) <= index < len(self):
            raise ValueError(f"index must address one of the {len(self)} replicas, got {index}")
        return [w[index] for w in (self.weights if weights is None else weights)]

    def subset(self, index) -> ReplicaRun:
        """The replicas selected by ``index`` (a slice or a list of positions), as a run of their own."""

        def pick(weights):
            return [w[index] for w in weights]

        return ReplicaRun(
            seeds=self.seeds[index],
            hidden_units=self.hidden_units,
            weights=pick(self.weights),
            kept={e: pick(w) for e, w in self.kept.items()},
            ema={m: pick(w) for m, w in self.ema.items()},
        )

    def members(self, epochs) -> list[list[np.ndarray]]:
        """The kept weights of ``epochs`` (in the order given), for averaging or ensembling."""
        epochs = [check_int(e, "epochs[...]") for e in epochs]
        missing = [e for e in epochs if e not in self.kept]
        if missing:
            raise ValueError(f"epochs {missing} were not kept; kept are {sorted(self.kept)[:5]}...")
        return [self.kept[e] for e in epochs]


def _epoch_function(
    variables, velocities, averages, features, labels, orders, all_rates, momentum, ema_momenta, steps, batch_size
):
    """One compiled epoch of every replica: ``steps`` SGD-momentum updates (and the EMAs).

    ``orders``: (epochs, replicas, points) visiting orders; ``all_rates``: (epochs, replicas,
    steps) learning rates. Returned as a ``tf.function`` of the epoch number, so that the tests
    can trace it and inspect every kernel it runs.
    """
    # Python floats become float32 constants, as Keras's ``ops.multiply(m, momentum)`` does.
    momentum_t = tf.constant(momentum, tf.float32)
    ema_t = [tf.constant(m, tf.float32) for m in ema_momenta]

    @tf.function(jit_compile=False)
    def run_epoch(epoch):
        epoch_orders = orders[epoch]
        epoch_rates = all_rates[epoch]
        first_step = tf.equal(epoch, 0)
        for b in range(steps):
            index = epoch_orders[:, b * batch_size : (b + 1) * batch_size]
            xb = tf.gather(features, index)
            yb = tf.gather(labels, index)
            size = tf.cast(tf.shape(index)[1], tf.float32)
            with tf.GradientTape() as tape:
                losses = tf.nn.softmax_cross_entropy_with_logits(labels=yb, logits=_logits(variables, xb))
                # Keras: the batch's losses summed, divided by the batch size; replicas add up.
                total = tf.reduce_sum(tf.math.divide_no_nan(tf.reduce_sum(losses, axis=1), size))
            gradients = tape.gradient(total, variables)
            rate = tf.reshape(epoch_rates[:, b], [-1, 1])
            for variable, velocity, gradient in zip(variables, velocities, gradients):
                shape = [-1] + [1] * (len(variable.shape) - 1)
                velocity.assign(velocity * momentum_t - gradient * tf.reshape(rate, shape))
                variable.assign_add(velocity)
            # Keras's weight EMA: the first step copies the weights, later steps blend them in.
            not_first = tf.cast(tf.logical_or(b > 0, tf.logical_not(first_step)), tf.float32)
            for m, shadow in zip(ema_t, averages):
                share = not_first * m
                for average, variable in zip(shadow, variables):
                    average.assign(share * average + (1 - share) * variable)

    return run_epoch


def train_replicas(
    x,
    y,
    seeds,
    hidden_units: int = 25,
    epochs: int = 500,
    learning_rate=0.01,
    momentum: float = 0.9,
    batch_size: int = 32,
    keep=(),
    ema_momenta=(),
) -> ReplicaRun:
    """Train one replica of chapter 02's recipe per seed, all at once (chapter 06).

    Replica ``i`` is the run ``fit`` would make of ``compile_sgd(build_mlp(hidden_units,
    seeds[i]))`` on ``training_dataset(x, y, batch_size, seed=seeds[i])`` for ``epochs`` epochs.
    ``y``: integer labels or one-hot rows. ``learning_rate``: a number, or a table of rates per
    epoch ``(epochs,)``, per step ``(epochs, steps_per_epoch)`` (e.g.
    :func:`~ensemble_lib.schedules.cosine_annealing_rates`), or per replica
    ``(replicas, epochs, steps_per_epoch)``. ``keep``: the epochs after which to keep every
    replica's weights (the checkpoints of chapters 03 and 05). ``ema_momenta``: momenta of
    Keras-style weight EMAs to track.

    A replica's numbers do not depend on which other replicas share the run.
    """
    x, y = _check_xy(x, y, "train_replicas")
    n_points, n_features = x.shape
    labels = check_labels(y, "train_replicas: y", n_points=n_points)
    targets = np.asarray(one_hot(labels) if y.ndim == 1 else y, dtype=np.float32)
    n_classes = targets.shape[1]
    seeds = _check_seeds(seeds)
    hidden_units = check_int(hidden_units, "hidden_units", minimum=1)
    epochs = check_int(epochs, "epochs", minimum=1)
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    momentum = check_real(momentum, "momentum")
    if not 0 <= momentum < 1:
        raise ValueError(f"momentum must be in [0, 1), got {momentum}")
    keep = sorted({check_int(e, "keep[...]") for e in keep})
    if keep and not 0 <= keep[0] <= keep[-1] < epochs:
        raise ValueError(f"keep must list epochs in [0, {epochs - 1}], got {keep[0]}..{keep[-1]}")
    ema_momenta = [check_real(m, "ema_momenta[...]", 0, 1, open_interval=True) for m in ema_momenta]
    steps = steps_per_epoch(n_points, batch_size)
    n_real = len(seeds)
    # A lone replica would take TensorFlow's single-matrix path, which rounds differently from
    # the batched one; a twin keeps every replica on the same path whatever the batch of seeds.
    padded = seeds if n_real > 1 else np.concatenate([seeds, seeds])
    rates = _rate_table(learning_rate, len(padded), epochs, steps)

    start = _stack([initial_weights(hidden_units, int(s), n_features, n_classes) for s in padded])
    variables = [tf.Variable(w) for w in start]
    velocities = [tf.Variable(tf.zeros_like(w)) for w in start]
    averages = [[tf.Variable(w) for w in start] for _ in ema_momenta]

    orders = _orders(tuple(int(s) for s in padded), n_points, epochs)
    run_epoch = _epoch_function(
        variables, velocities, averages, tf.constant(x), tf.constant(targets), orders,
        tf.constant(np.transpose(rates, (1, 0, 2))),  # (epochs, replicas, steps)
        momentum, ema_momenta, steps, batch_size,
    )

    def snapshot(tensors):
        return [t.numpy()[:n_real].copy() for t in tensors]

    kept = {}
    for e in range(epochs):
        run_epoch(tf.constant(e))
        if e in keep:
            kept[e] = snapshot(variables)
    return ReplicaRun(
        seeds=seeds,
        hidden_units=hidden_units,
        weights=snapshot(variables),
        kept=kept,
        ema={m: snapshot(shadow) for m, shadow in zip(ema_momenta, averages)},
    )


def _check_stacked(weights) -> list[tf.Tensor]:
    if not isinstance(weights, (list, tuple)) or len(weights) != 4:
        raise TypeError("weights must be a list of four stacked arrays (a ReplicaRun's weights)")
    arrays = [check_numeric_array(w, f"weights[{j}]").astype(np.float32) for j, w in enumerate(weights)]
    n = arrays[0].shape[0]
    expected_ndim = (3, 2, 3, 2)
    for j, (a, ndim) in enumerate(zip(arrays, expected_ndim)):
        if a.ndim != ndim or a.shape[0] != n:
            raise ValueError(f"weights[{j}] must have {ndim} axes and {n} replicas, got shape {a.shape}")
    return [tf.constant(a) for a in arrays]


def replica_probabilities(weights, x) -> np.ndarray:
    """Every replica's softmax outputs on ``x``: shape (replicas, points, classes) (chapter 06)."""
    stacked = _check_stacked(weights)
    x = _check_x(x, "replica_probabilities")
    if x.shape[1] != stacked[0].shape[1]:
        raise ValueError(f"x must be a 2-D array with {stacked[0].shape[1]} columns, got shape {x.shape}")
    return _probabilities(stacked, tf.constant(x)).numpy()


def _probabilities(stacked, x):
    """The forward pass of every replica on the same points ``x`` (points, features)."""
    batch = tf.broadcast_to(x, [tf.shape(stacked[0])[0], tf.shape(x)[0], tf.shape(x)[1]])
    return exact_softmax(_logits(stacked, batch))


def scores(probabilities, y) -> tuple[np.ndarray, np.ndarray]:
    """Accuracy and log-loss of each row of ``probabilities`` (replicas, points, classes) against
    ``y`` (chapter 06). Log-loss in nats, probabilities clipped at 1e-7 as in ``log_loss``."""
    p = check_numeric_array(probabilities, "probabilities").astype(np.float64)
    if p.ndim != 3:
        raise ValueError(f"probabilities must have shape (replicas, points, classes), got {p.shape}")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError("probabilities must lie in [0, 1]")
    labels = check_labels(y, "scores: y", n_points=p.shape[1], n_classes=p.shape[2])
    accuracy = (p.argmax(axis=2) == labels).mean(axis=1)
    picked = np.take_along_axis(p, labels[None, :, None], axis=2)[..., 0]
    loss = -np.log(np.clip(picked, 1e-7, 1.0)).mean(axis=1)
    return accuracy, loss


def train_schedules(x, y, seeds, schedules, **options) -> dict[str, ReplicaRun]:
    """One replica per seed for every named learning-rate schedule, all in one run (chapter 06).

    ``schedules`` maps a name to anything :func:`train_replicas` accepts as ``learning_rate``
    for one replica (a number, a per-epoch or a per-step table). Stacking every schedule into one
    computation shares its fixed cost per step among all of them; the replicas stay independent,
    so the result is what separate calls would give. ``options`` go to :func:`train_replicas`
    (``keep`` and ``ema_momenta`` apply to every schedule). Returns one :class:`ReplicaRun` per
    name, in the order given.
    """
    if not isinstance(schedules, dict) or not schedules:
        raise TypeError("schedules must be a non-empty dict of name -> learning rate (number or table)")
    seeds = _check_seeds(seeds)
    epochs = check_int(options.get("epochs", 500), "epochs", minimum=1)
    x_checked, _ = _check_xy(x, y, "train_schedules")
    steps = steps_per_epoch(len(x_checked), options.get("batch_size", 32))
    tables = []
    for name, rate in schedules.items():
        try:
            tables.append(_rate_table(rate, len(seeds), epochs, steps))
        except (TypeError, ValueError) as error:
            raise type(error)(f"schedules[{name!r}]: {error}") from None
    run = train_replicas(x, y, np.tile(seeds, len(tables)), learning_rate=np.concatenate(tables), **options)
    n = len(seeds)
    return {name: run.subset(slice(i * n, (i + 1) * n)) for i, name in enumerate(schedules)}
