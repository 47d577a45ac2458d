# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# (app-troubleshooting)=
# # Troubleshooting: the errors readers of the original tutorials hit
#
# The two tutorials this book retells were written for Keras 2 between 2018 and 2020. Run on
# today's libraries, their code stops with a handful of errors, and the messages do not always
# say what changed. This appendix collects them. For each one you see the message, why it
# happens, and the fix. The failing cells are real: each runs the old idiom on the book's pinned
# libraries and raises the error printed under it (the book's tests re-run them and check that
# they still raise exactly that), followed by the version that works.
#
# In this appendix you will
#
# - recognise each error by the last line of its message, the part shown in bold below each
#   heading;
# - learn which change in scikit-learn, Keras 3 or TensorFlow causes it;
# - find the Keras 3 replacement for each old idiom, and the chapter of this book that uses it.
#
# Tracebacks are kept to their last line (IPython's `%xmode Minimal`): the full traceback of a
# Keras error mostly lists Keras's own files.

# %% tags=["hide-input"]
import ensemble_lib as el  # first: it fixes TensorFlow's numeric path

from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

SEED = el.reproducible(0)
problem = el.load_blobs()
y_train = el.one_hot(problem.y_train)

# %xmode Minimal

# %% [markdown]
# ## Importing the data generator
#
# **`ModuleNotFoundError: No module named 'sklearn.datasets.samples_generator'`**
#
# Both tutorials generated their data with
# `from sklearn.datasets.samples_generator import make_blobs`:

# %% tags=["raises-exception"]
from sklearn.datasets.samples_generator import make_blobs

# %% [markdown]
# **Why.** `samples_generator` was an internal module of scikit-learn. Version 0.22 moved its
# contents into private modules and deprecated the old path, and version 0.24 removed it.
# `make_blobs` itself never moved out of the public `sklearn.datasets` package.
#
# **Fix.** Import it from `sklearn.datasets`:

# %%
from sklearn.datasets import make_blobs

x, y = make_blobs(
    n_samples=1100, centers=3, n_features=2, cluster_std=2, random_state=2
)
print(x.shape, y.shape)

# %% [markdown]
# This book's {numref}`chapter %s <ch-blobs>` generates the same points through {py:obj}`el.load_blobs() <ensemble_lib.data.load_blobs>`.
#
# ## The optimizer's learning rate argument
#
# **`ValueError: Argument(s) not recognized: {'lr': 0.01}`**
#
# The optimizer of the originals:

# %% tags=["raises-exception"]
opt = keras.optimizers.SGD(lr=0.01, momentum=0.9)

# %% [markdown]
# **Why.** Keras 2.3 renamed the argument `lr` to `learning_rate` and kept `lr` as a deprecated
# alias. Keras 3 dropped the alias: every optimizer rejects arguments it does not know.
#
# **Fix.** Spell it out:

# %%
opt = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
print(f"learning rate {float(opt.learning_rate):g}, momentum {opt.momentum:g}")

# %% [markdown]
# ## Setting the learning rate from a callback
#
# **`AttributeError: module 'keras.backend' has no attribute 'set_value'`**, then
# **`AttributeError: 'SGD' object has no attribute 'lr'`**
#
# The snapshot tutorial's callback set the learning rate at the start of every epoch with
# `backend.set_value(self.model.optimizer.lr, lr)`. Inside `fit`, on Keras 3:

# %% tags=["raises-exception"]
class OldStyleSchedule(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        keras.backend.set_value(self.model.optimizer.lr, 0.01 / (epoch + 1))


model = el.compile_sgd(el.build_mlp(seed=SEED))
data = el.training_dataset(problem.x_train, y_train, seed=SEED)
model.fit(
    data, epochs=3, steps_per_epoch=4, verbose=0, callbacks=[OldStyleSchedule()]
)

# %% [markdown]
# Fixing that line only moves the error to the optimizer's old attribute:

# %% tags=["raises-exception"]
model.optimizer.lr

# %% [markdown]
# **Why.** Keras 3 is a new, multi-backend library, and its `keras.backend` no longer holds the
# TensorFlow-era helpers `get_value` and `set_value`. The optimizer's `lr` attribute was the
# old name of `learning_rate`, gone with the `lr` argument.
#
# **Fix.** Read and assign `optimizer.learning_rate` directly; Keras updates the variable the
# compiled training step uses:

# %%
class Schedule(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self.model.optimizer.learning_rate = 0.01 / (epoch + 1)
        self.rates.append(float(self.model.optimizer.learning_rate))


schedule = Schedule()
model.fit(data, epochs=3, steps_per_epoch=4, verbose=0, callbacks=[schedule])
print("rates set:", [f"{rate:.5f}" for rate in schedule.rates])

# %% [markdown]
# For a schedule that is a function of the epoch alone, `keras.callbacks.LearningRateScheduler`
# does this for you; {numref}`chapter %s <ch-cosine>` writes the cosine annealing callback with this assignment
# and {numref}`chapter %s <ch-snapshots>` adds the snapshots to it.
#
# ## Mixing `keras` and `tf.keras`
#
# **`AttributeError: 'ModelCheckpoint' object has no attribute '_implements_train_batch_hooks'`**
# (standalone Keras 2.3 beside TensorFlow 2.2 or later), and today
# **`ImportError: keras.optimizers.legacy is not supported in Keras 3`**
#
# Up to version 2.3, the standalone `keras` package and `tf.keras` (the copy inside TensorFlow)
# were two libraries with two separate class hierarchies. A model built with one and given a
# callback, a layer or an optimizer from the other failed in ways that named some internal
# method, such as the message above, which readers met when `fit` of a `tf.keras` model received
# a callback from `keras.callbacks`. Later Keras 2 releases made `keras` and `tf.keras` one
# library again.
#
# **On today's stack that mix is no longer an error.** Since TensorFlow 2.16, `tf.keras` is
# Keras 3 itself, the same classes:

# %%
print("Keras", keras.__version__, "| TensorFlow", tf.__version__)
print(tf.keras.callbacks.ModelCheckpoint is keras.callbacks.ModelCheckpoint)
print(tf.keras.layers.Dense is keras.layers.Dense, tf.keras.Model is keras.Model)

# %% [markdown]
# What does fail now is code written for the Keras 2 inside TensorFlow, which `tf.keras` no longer
# contains. The commonest case is the legacy optimizers that TensorFlow 2.11 to 2.15 offered
# beside the new ones:

# %% tags=["raises-exception"]
opt = tf.keras.optimizers.legacy.SGD(learning_rate=0.01, momentum=0.9)

# %% [markdown]
# **Why.** Keras 3 has one optimizer implementation. The legacy ones live on only in the
# separate `tf_keras` package (Keras 2), which `tf.keras` points to again when `tf_keras` is
# installed and the environment variable `TF_USE_LEGACY_KERAS=1` is set. With that setting,
# `keras` and `tf.keras` are once more two libraries, and mixing their objects fails again.
#
# **Fix.** Write everything against Keras 3 and import it one way, `import keras` (as this book
# does): `keras.optimizers.SGD` instead of the legacy optimizer, `keras.callbacks.ModelCheckpoint`
# and so on. Do not install `tf_keras` unless you need to run unported Keras 2 code, and then run
# that code with `tf.keras` only.

# %%
opt = keras.optimizers.SGD(learning_rate=0.01, momentum=0.9)
print(type(opt).__module__, type(opt).__name__)

# %% [markdown]
# ## Saving models and weights
#
# **`ValueError: The filename must end in .weights.h5`** and
# **`ValueError: Invalid filepath extension for saving`**
#
# The originals saved every model they wanted to keep as `model_490.h5` and so on. Saving only
# the weights under such a name, or a whole model under a name with no extension, now fails:

# %% tags=["raises-exception"]
folder = Path("checkpoints") / "appendix"  # beside the chapters' checkpoints
folder.mkdir(parents=True, exist_ok=True)
model.save_weights(folder / "model_490.h5")

# %% tags=["raises-exception"]
model.save(folder / "model_490")

# %% [markdown]
# **Why.** Keras 3 has its own file formats and tells them apart by the name: `.keras` for a
# whole model (architecture, weights and optimizer state in one zip file) and `.weights.h5` for
# the weights alone. A model saved as plain `.h5` is still written, in the Keras 2 HDF5 format,
# but Keras warns that the format is legacy, and a checkpoint callback asked to save weights
# only (`ModelCheckpoint(..., save_weights_only=True)`) refuses a name not ending in
# `.weights.h5`, like `save_weights` above.
#
# **Fix.** Name files by what they hold, and load them back the same way:

# %%
model.save(folder / "model_490.keras")
model.save_weights(folder / "model_490.weights.h5")
restored = keras.models.load_model(folder / "model_490.keras")
same_weights = el.build_mlp(seed=1)
same_weights.load_weights(folder / "model_490.weights.h5")
for name, copy in (("model", restored), ("weights", same_weights)):
    pairs = zip(copy.get_weights(), model.get_weights())
    same = all(np.array_equal(a, b) for a, b in pairs)
    print(f"{name} loaded back, identical weights: {same}")

# %% [markdown]
# This book's checkpoints ({numref}`chapter %s <ch-polyak>`, {numref}`chapter %s <ch-snapshots>`) are `.weights.h5` files:
# the architecture is the same for every member, so only the weights need saving.
#
# ## Reading the learning curves from the history
#
# **`KeyError: 'acc'`**
#
# The originals plotted their learning curves from `history.history['acc']` and
# `history.history['val_acc']`:

# %% tags=["raises-exception"]
model = el.build_mlp(seed=SEED)
model.compile(
    optimizer=keras.optimizers.SGD(learning_rate=0.01, momentum=0.9),
    loss="categorical_crossentropy",
    metrics=["accuracy"],
)
test_data = tf.data.Dataset.from_tensor_slices(
    (problem.x_test, el.one_hot(problem.y_test))
).batch(1000)
history = model.fit(
    data, epochs=3, steps_per_epoch=4, verbose=0, validation_data=test_data
)
history.history["acc"]

# %% [markdown]
# **Why.** Keras 2.2 and earlier logged the metric `"accuracy"` under the short name `acc`.
# Since Keras 2.3 a metric is logged under the name it was given, and validation metrics get the
# prefix `val_`.
#
# **Fix.** Use the name you passed to `compile` (or list the keys when unsure):

# %%
print(sorted(history.history))
last = {key: values[-1] for key, values in history.history.items()}
print(f"last epoch: accuracy {last['accuracy']:.3f}, "
      f"val_accuracy {last['val_accuracy']:.3f}")

# %% [markdown]
# ## Not an error: every run prints different numbers
#
# Readers of both tutorials re-ran the code and got other accuracies than the articles, and
# other accuracies again on the next run, and could not tell whether a difference between two
# methods was real. Nothing is broken: the initial weights and the order of the mini-batches are
# random, and on a CPU the last bits of a result also depend on the processor's instruction set,
# on its maker (some instructions round as each chip decides) and on how many threads share the
# work, differences that hundreds of epochs of SGD amplify.
#
# **Fix.** Fix the randomness and the numeric path, then measure over many seeds. The book's
# {py:obj}`el.reproducible(seed) <ensemble_lib.reproducibility.reproducible>` seeds Python, NumPy and TensorFlow and pins one numeric path (see
# {numref}`Chapter %s <ch-baseline>`), and {py:obj}`el.build_mlp(seed=...) <ensemble_lib.models.build_mlp>` and {py:obj}`el.training_dataset(seed=...) <ensemble_lib.training.training_dataset>` take the
# seed of the initial weights and of the batch order explicitly. The same seed then gives the
# same model, bit for bit, and another seed another model:

# %%
def short_run(seed):
    net = el.compile_sgd(el.build_mlp(seed=seed))
    el.train(net, problem.x_train, y_train, seed=seed,
             recipe=el.RECIPE.replace(epochs=20))
    return net.get_weights()


def identical(weights_a, weights_b):
    return all(np.array_equal(a, b) for a, b in zip(weights_a, weights_b))


first, again, other = short_run(1), short_run(1), short_run(2)
print("seed 1 twice, identical weights:  ", identical(first, again))
print("seeds 1 and 2, identical weights: ", identical(first, other))

# %% [markdown]
# Reproducible runs make a single result checkable; they do not make it representative. How much
# one run owes to its seed is measured in {numref}`chapter %s <ch-baseline>`, and a method only helps if it
# wins over many seeds.
#
# ## Not an error either: a fixed seed that freezes the batch order
#
# The obvious way to make the originals' code repeatable is to call
# `keras.utils.set_random_seed` first and keep their `fit(x, y, shuffle=True)`. With Keras 3 and
# TensorFlow, that makes every epoch visit the training points **in the same order**. Keras
# draws each epoch's permutation with `tf.random.shuffle` inside a `tf.data` pipeline that starts
# over at every epoch; once a global seed is set, that op's seed is fixed, and a pipeline that
# starts over draws the same permutation again. Nothing fails, but SGD then sees one fixed sequence of mini-batches, epoch after epoch,
# instead of a new one. The cell below records the order in which `fit` feeds eight points over
# three epochs (a model that notes its input at every step).

# %%
class OrderRecorder(keras.Model):
    """A model that records the first feature of every batch it trains on."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.orders = []

    def train_step(self, data):
        x, _ = data
        self.orders.append([int(v) for v in np.asarray(x)[:, 0]])
        return super().train_step(data)


def order_recorder():
    inputs = keras.Input((1,))
    net = OrderRecorder(inputs, keras.layers.Dense(1)(inputs))
    # Eager, so that train_step can read each batch as an array.
    net.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    return net


points = np.arange(8, dtype="float32")[:, None]  # each point is its own index
targets = np.zeros((8, 1), dtype="float32")
keras.utils.set_random_seed(0)
trap = order_recorder()
trap.fit(points, targets, batch_size=8, epochs=3, shuffle=True, verbose=0)
print(f"keras {keras.__version__}, fit(shuffle=True) after set_random_seed:")
for epoch, order in enumerate(trap.orders):
    print(f"  epoch {epoch}: {order}")

# %% [markdown]
# **Fix.** Draw each epoch's order from the seed *and the epoch*. That is what
# {py:obj}`el.training_dataset(x, y, seed) <ensemble_lib.training.training_dataset>` does for every chapter of this book (each epoch's order is
# a function of `(seed, epoch)`, so a run is repeatable and still reshuffles), and what `fit`
# then reads without shuffling:

# %%
eight = el.RECIPE.replace(batch_size=8, epochs=3)
fixed = order_recorder()
fixed.fit(el.training_dataset(points, targets, seed=0, recipe=eight), epochs=3,
          steps_per_epoch=1, shuffle=False, verbose=0)
print("el.training_dataset(seed=0):")
for epoch, order in enumerate(fixed.orders):
    print(f"  epoch {epoch}: {order}")

# %% [markdown]
# ## Summary
#
# | message (last line) | cause | fix |
# |---|---|---|
# | `No module named 'sklearn.datasets.samples_generator'` | removed in scikit-learn 0.24 | `from sklearn.datasets import make_blobs` |
# | `Argument(s) not recognized: {'lr': 0.01}` | Keras 3 dropped the `lr` alias | `SGD(learning_rate=0.01, ...)` |
# | `module 'keras.backend' has no attribute 'set_value'` | Keras 3's backend has no TensorFlow helpers | `optimizer.learning_rate = value` |
# | `'SGD' object has no attribute 'lr'` | the old attribute name | `optimizer.learning_rate` |
# | `'...' object has no attribute '_implements_train_batch_hooks'` | two Keras libraries mixed (standalone Keras 2.3) | gone with Keras 3: `tf.keras` is `keras`; import `keras` only |
# | `keras.optimizers.legacy is not supported in Keras 3` | Keras 2-only optimizers | `keras.optimizers.SGD` |
# | `The filename must end in .weights.h5` | Keras 3 names files by content | `.weights.h5` for weights, `.keras` for models |
# | `Invalid filepath extension for saving` | a model file needs `.keras` (or legacy `.h5`) | `model.save("name.keras")` |
# | `KeyError: 'acc'` | metrics are logged under the name given | `history.history["accuracy"]` |
# | different numbers every run | random seeds, CPU-dependent rounding | {py:obj}`el.reproducible(seed) <ensemble_lib.reproducibility.reproducible>`, explicit seeds, many seeds |
# | (no message) the same batch order every epoch | a global seed fixes the shuffle, which starts over each epoch | an order drawn from `(seed, epoch)`: {py:obj}`el.training_dataset <ensemble_lib.training.training_dataset>` |
