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
# (ch-cnn)=
# # Real images: a CNN with batch normalisation
#
# The blobs problem let us measure effects of a few thousandths. Readers of the original
# tutorials asked what happens on the models they actually train: convolutional networks,
# with `BatchNormalization`. This chapter takes those techniques to real handwritten digits, with the methods of {numref}`chapter %s <ch-many-seeds>`: many seeds, paired comparisons, adjusted tests.
#
# In this chapter you will
#
# - train a small CNN with batch normalisation on 300 handwritten digits, with two layers built
#   to give the same bits on every processor;
# - train twenty seeds at once in one Keras model, and check one copy against its own seed's
#   plain `fit`;
# - do Stochastic Weight Averaging properly (pre-train, then a constant rate, an average per
#   epoch), keep a Keras weight EMA, and collect a snapshot ensemble;
# - see what batch normalisation's stored statistics do to an averaged network, and repair them
#   with {py:obj}`el.update_batchnorm <ensemble_lib.batchnorm.update_batchnorm>`;
# - compare everything with the final model of a conventional run and with ensembles of
#   independently trained networks.

# %% tags=["hide-input"]
import ensemble_lib as el  # first: it fixes TensorFlow's numeric path

from dataclasses import asdict
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import display

SEED = el.reproducible(0)
el.use_book_style()

# %% [markdown]
# ## The digits
#
# scikit-learn ships 1797 images of handwritten digits, 8 x 8 pixels with 17 grey levels, inside
# the package: nothing is downloaded. We train on 300 of them (as in the originals, a small
# training set, on which a network's result depends on its seed) and test on the other 1497, as
# many as the data allow: one model's accuracy then has a binomial standard error of
# {glue:text}`single_se:.4f` (computed below), and a difference between paired models is
# measured more finely still. The split is stratified: each digit is as common in both parts
# as the counts allow.

# %%
digits = el.load_digit_images()
labels = {"training": digits.y_train, "test": digits.y_test}
el.table(
    {
        "set": list(labels),
        "images": [len(y) for y in labels.values()],
        **{
            f"{d}s": [int(np.sum(y == d)) for y in labels.values()]
            for d in range(10)
        },
    }
)

# %% mystnb={"figure": {"caption": "The first 20 training images, 8 x 8 pixels each, with their labels.", "name": "fig-digits"}}
fig, axes = plt.subplots(2, 10, figsize=(8, 2))
for ax, image, label in zip(axes.flat, digits.x_train, digits.y_train):
    ax.imshow(image[..., 0], cmap="gray_r", vmin=0, vmax=1)
    ax.set_title(str(label))
    ax.axis("off")
plt.show()

# %% [markdown]
# {numref}`fig-digits` shows what the network sees: coarse images, many of them easy, some
# ambiguous.
#
# ## A network whose numbers travel
#
# The network is small: two 3 x 3 convolutions, each followed by batch normalisation, ReLU and
# 2 x 2 max pooling, then a softmax layer. Two of Keras's layers would make its numbers depend
# on the processor, for the reasons {numref}`chapter %s <ch-baseline>` gave for the softmax. `BatchNormalization`
# normalises with a reciprocal square root that TensorFlow takes from an approximate
# instruction; {py:obj}`el.ExactBatchNormalization <ensemble_lib.batchnorm.ExactBatchNormalization>` is the same layer with an exact square root and
# division. `Conv2D`'s gradients add up thousands of products (every position of every image
# in the batch), and TensorFlow's matrix products split such long sums into blocks sized to
# the processor's cache; {py:obj}`el.ExactConv2D <ensemble_lib.exact.ExactConv2D>` computes them in short products added in a fixed
# order. The book's tests hold both to Keras's layers within float32 rounding, and run them on
# an emulated processor, which must give the same bits.

# %%
RECIPE = el.CNN_RECIPE
fields = asdict(RECIPE)
el.table(
    {"field": list(fields), "value": [str(value) for value in fields.values()]}
)

# %%
model = el.build_cnn(seed=SEED)
el.table(
    {
        "layer": [layer.name for layer in model.layers],
        "type": [type(layer).__name__ for layer in model.layers],
        "output shape": [str(layer.output.shape) for layer in model.layers],
        "weights": [layer.count_params() for layer in model.layers],
    }
)

# %% [markdown]
# The recipe is SGD with momentum 0.9 on batches of 32 images for 60 epochs; 0.1 is the largest
# learning rate the schedules below use. `count_params` counts each BN layer's moving mean and
# variance with its trained scale and shift: they are weights of the model, saved and averaged
# with the others, but set by the data rather than by the gradient, which is what the section
# on stale statistics below is about.

# %% [markdown]
# ## Twenty networks in one model
#
# Twenty seeds of a CNN trained one after another would make this chapter slow, because a
# network this small spends its time on the bookkeeping of thousands of tiny operations per
# step. {py:obj}`el.build_cnn_replicas <ensemble_lib.cnn.build_cnn_replicas>` puts twenty copies side by side in one ordinary Keras model:
# the convolutions are *grouped* (copy $r$ sees only its own channels), batch normalisation
# treats every channel on its own anyway, and the last layer holds one kernel per copy. Copy
# $r$ starts from {py:obj}`el.build_cnn(seeds[r]) <ensemble_lib.cnn.build_cnn>`'s weights, reads its own seed's batches from input
# channel $r$ ({py:obj}`el.replica_batches <ensemble_lib.cnn.replica_batches>`), and writes its probabilities to output row $r$; the loss
# adds up the copies' losses ({py:obj}`el.replica_loss <ensemble_lib.cnn.replica_loss>`), so each copy's gradient is its own, up to
# float32 rounding.
# Everything else is plain Keras: one `compile`, one `fit`, the callbacks of the earlier
# chapters. A check, on three epochs: copy 0 of a two-copy model against seed 0 trained alone
# by its own `fit` on the same batches.

# %%
SEEDS = list(range(20))
STEPS = RECIPE.steps_per_epoch(len(digits.x_train))
TRAIN_IMAGES = el.stack_images(
    digits.x_train, len(SEEDS)
)  # every copy sees the same images
TEST_IMAGES = el.stack_images(digits.x_test, len(SEEDS))


def train_copies(callbacks, **optimizer_options):
    """Train one copy per seed with the recipe's SGD; return the model (its
    weights at the end)."""
    copies = el.build_cnn_replicas(SEEDS, RECIPE)
    optimizer = keras.optimizers.SGD(
        RECIPE.learning_rate, momentum=RECIPE.momentum, **optimizer_options
    )
    copies.compile(optimizer, el.replica_loss)
    batches = el.replica_batches(digits.x_train, digits.y_train, SEEDS, RECIPE)
    copies.fit(
        batches,
        epochs=RECIPE.epochs,
        steps_per_epoch=STEPS,
        callbacks=callbacks,
        verbose=0,
    )
    return copies


def check_against_fit(epochs=3):
    """Largest difference between copy 0 of a two-copy run and seed 0 trained
    alone, same batches."""
    short = RECIPE.replace(epochs=epochs)
    alone = el.build_cnn(0, short)
    alone.compile(
        keras.optimizers.SGD(short.learning_rate, momentum=short.momentum),
        "sparse_categorical_crossentropy",
    )
    own_batches = el.replica_batches(
        digits.x_train, digits.y_train, [0], short
    ).map(lambda x, y: (x, y[:, 0]))
    alone.fit(own_batches, epochs=epochs, steps_per_epoch=STEPS, verbose=0)
    pair = el.build_cnn_replicas([0, 1], short)
    pair.compile(
        keras.optimizers.SGD(short.learning_rate, momentum=short.momentum),
        el.replica_loss,
    )
    pair.fit(
        el.replica_batches(digits.x_train, digits.y_train, [0, 1], short),
        epochs=epochs,
        steps_per_epoch=STEPS,
        verbose=0,
    )
    copy = el.replica_weights(pair.get_weights(), 0)
    return max(
        float(np.max(np.abs(a - b))) for a, b in zip(copy, alone.get_weights())
    )


largest_difference = check_against_fit()
print(
    "largest weight difference after 3 epochs, copy 0 against its own fit: "
    f"{largest_difference:.1e}"
)
el.glue("largest_difference", largest_difference)


def probabilities(copies, weights):
    """Every copy's test-set probabilities, (seeds, images, classes), with the
    given weights."""
    copies.set_weights(weights)
    return np.transpose(
        np.asarray(copies(TEST_IMAGES, training=False)), (1, 0, 2)
    )


# %% [markdown]
# ## Three runs per seed
#
# **A conventional run.** The learning rate falls from 0.1 to zero along one cosine curve over
# the 60 epochs ({py:obj}`el.CosineAnnealing <ensemble_lib.schedules.CosineAnnealing>` with one cycle): a schedule that ends in a settled model,
# a strong opponent. The same run keeps Keras's exponential moving average of the weights
# (`use_ema=True`, momentum 0.99: about the last 100 steps, ten epochs). At the end of `fit`,
# Keras copies the EMA into the model, so the final weights themselves are saved by a
# checkpoint of the last epoch.

# %%
conventional = train_copies(
    [
        el.CosineAnnealing(RECIPE.epochs, 1, RECIPE.learning_rate),
        el.EpochCheckpoints(
            Path("checkpoints") / "08_conventional", last=1, replace=True
        ),
    ],
    use_ema=True,
    ema_momentum=0.99,
)
ema_weights = (
    conventional.get_weights()
)  # after fit: the EMA of the trainable weights
[(last_epoch, final_weights)] = el.load_checkpoints(
    Path("checkpoints") / "08_conventional", like=conventional
)
print("final weights saved after epoch", last_epoch + 1)

# %% [markdown]
# **Stochastic Weight Averaging, done properly** {cite:p}`izmailov2018`. Pre-train for 75% of
# the budget, here at the recipe's rate for 30 epochs and then falling linearly to the SWA rate
# of 0.05 by epoch 45; then keep that rate constant and collect the weights at the end of each
# of the last 15 epochs. The constant rate is meant to keep the run moving around the minimum
# it reached, so that the average of the 15 collected points lies nearer its centre. PyTorch's
# `swa_utils.SWALR` can anneal to the SWA rate the same way (`anneal_strategy="linear"`); in
# Keras the schedule is a function for `LearningRateScheduler`, and the collection is
# {py:obj}`el.EpochCheckpoints <ensemble_lib.checkpoints.EpochCheckpoints>`.

# %%
SWA_START, SWA_RATE = 45, 0.05


def swa_schedule(epoch, rate):
    """The recipe's rate, then a linear fall to the SWA rate by SWA_START, then
    constant."""
    if epoch < 30:
        return RECIPE.learning_rate
    if epoch < SWA_START:
        return RECIPE.learning_rate + (SWA_RATE - RECIPE.learning_rate) * (
            epoch - 29
        ) / (SWA_START - 30)
    return SWA_RATE


swa_folder = Path("checkpoints") / "08_swa"
swa_run = train_copies(
    [
        keras.callbacks.LearningRateScheduler(swa_schedule),
        el.EpochCheckpoints(
            swa_folder, last=RECIPE.epochs - SWA_START, replace=True
        ),
    ]
)
collected = el.load_checkpoints(swa_folder, like=swa_run)
averaged_epochs = sorted(epoch + 1 for epoch, _ in collected)
print(
    f"SWA averages the weights after epochs {averaged_epochs[0]} to "
    f"{averaged_epochs[-1]}"
)

# %% [markdown]
# **A snapshot ensemble**, as in {numref}`chapter %s <ch-snapshots>`: five cosine cycles of 12 epochs from the recipe's
# rate, a snapshot at the end of each ({py:obj}`el.SnapshotEnsemble <ensemble_lib.schedules.SnapshotEnsemble>`).

# %%
snapshot_folder = Path("checkpoints") / "08_snapshots"
snapshot_run = train_copies(
    [
        el.SnapshotEnsemble(
            snapshot_folder, RECIPE.epochs, 5, RECIPE.learning_rate, replace=True
        )
    ]
)
snapshots = el.load_checkpoints(
    snapshot_folder, like=snapshot_run
)  # most recent first
print("snapshots after epochs", [epoch + 1 for epoch, _ in snapshots])

# %% [markdown]
# ## Averaged weights, stale statistics
#
# A batch-normalisation layer normalises at inference with the mean and variance of its inputs
# that it collected during training, as moving averages. When weights are averaged, these
# statistics are averaged with them, but they describe the activations of the networks that were
# averaged, not of their average: the averaged network's earlier layers have new weights, and
# its activations have statistics of their own. Keras's weight EMA has the same problem in a
# milder form: it averages only the trainable weights and leaves the final model's statistics
# in place. The repair is to measure the statistics again, with one pass over the training
# images: {py:obj}`el.update_batchnorm(model, images) <ensemble_lib.batchnorm.update_batchnorm>` sets every BN layer's moving mean and variance to
# the exact mean and variance of its inputs over those images, layer by layer, with the layers
# before it already updated (PyTorch's `update_bn` does the same with a running average over
# batches). For each BN layer in turn it runs the model up to that layer over the images and
# sets the layer's statistics, in float64 before they are stored:
#
# ```{literalinclude} ../ensemble_lib/batchnorm.py
# :pyobject: update_batchnorm
# :start-at: for layer in layers:
# :end-before: return result
# :dedent:
# ```
#
# Here are all the averaged models, with their statistics as averaging left them and after the
# update:


# %%
def updated(copies, weights):
    """The weights with every BN layer's statistics measured again on the training
    images."""
    copies.set_weights(weights)
    el.update_batchnorm(copies, TRAIN_IMAGES)
    return copies.get_weights()


def equal_average(members):
    return el.average_weights(
        [weights for _, weights in members], el.shares(len(members), "equal")
    )


swa_weights = equal_average(collected)
snapshot_average = equal_average(snapshots)
probs = {
    "final model (baseline)": probabilities(conventional, final_weights),
    "Keras EMA, stale BN": probabilities(conventional, ema_weights),
    "Keras EMA, BN updated": probabilities(
        conventional, updated(conventional, ema_weights)
    ),
    "SWA, stale BN": probabilities(swa_run, swa_weights),
    "SWA, BN updated": probabilities(swa_run, updated(swa_run, swa_weights)),
    "snapshot average, stale BN": probabilities(snapshot_run, snapshot_average),
    "snapshot average, BN updated": probabilities(
        snapshot_run, updated(snapshot_run, snapshot_average)
    ),
}
member_probs = [probabilities(snapshot_run, weights) for _, weights in snapshots]
probs["last snapshot"] = member_probs[0]
probs["snapshot ensemble (5)"] = np.mean(member_probs, axis=0)  # soft voting


def accuracy(p):
    """Each seed's test accuracy, from probabilities (seeds, images, classes)."""
    return np.mean(p.argmax(axis=-1) == digits.y_test, axis=1)


scores = {
    name: (
        accuracy(p),
        el.cross_entropy(p, digits.y_test),
        el.expected_calibration_error(p, digits.y_test),
    )
    for name, p in probs.items()
}
bn_rows = {}
for name in ("Keras EMA", "SWA", "snapshot average"):
    for state in ("stale", "updated"):
        acc, loss, _ = scores[
            f"{name}, {'stale BN' if state == 'stale' else 'BN updated'}"
        ]
        bn_rows[name, state] = (np.mean(acc), np.mean(loss))
        el.glue(f"bn_{name.split()[-1].lower()}_{state}", float(np.mean(acc)))
bn_table = el.table(
    {
        "averaged model": [name for name, _ in bn_rows],
        "BN statistics": [state for _, state in bn_rows],
        "accuracy": [a for a, _ in bn_rows.values()],
        "log-loss": [loss for _, loss in bn_rows.values()],
    },
    formats={"accuracy": ".4f", "log-loss": ".4f"},
)


def distance(average, last):
    """How far an average lies from the last weights it averages: relative size of
    the difference."""
    kernels = [0, 5, 10]  # the two convolutions' kernels and the dense layer's
    return float(
        np.sqrt(
            sum(np.sum((average[i] - last[i]) ** 2) for i in kernels)
            / sum(np.sum(last[i] ** 2) for i in kernels)
        )
    )


distances = {
    "Keras EMA": distance(ema_weights, final_weights),
    "SWA": distance(swa_weights, collected[0][1]),
    "snapshot average": distance(snapshot_average, snapshots[0][1]),
}
for name, value in distances.items():
    el.glue(f"distance_{name.split()[-1].lower()}", value)
display(bn_table)
el.table(
    {
        "average": list(distances),
        "distance from the last weights it averages": list(distances.values()),
    },
    formats={"distance from the last weights it averages": ".3f"},
)

# %% [markdown]
# The mean test accuracy over the twenty seeds tells the story. For the snapshot average, whose
# five members lie a whole cycle apart, the averaged statistics cost accuracy: it scores
# {glue:text}`bn_average_stale:.4f` with them and {glue:text}`bn_average_updated:.4f` once they
# are measured again, a repair of {glue:text}`bn_repair:+.4f` on average (the paired table
# below tests both against the baseline). For SWA ({glue:text}`bn_swa_stale:.4f` and
# {glue:text}`bn_swa_updated:.4f`) and the EMA ({glue:text}`bn_ema_stale:.4f` and
# {glue:text}`bn_ema_updated:.4f`) the update changes almost nothing. The second table
# suggests why: the snapshot average lies {glue:text}`distance_average:.1%` of the weights' size away from
# the last snapshot, while SWA's average lies {glue:text}`distance_swa:.1%` from the last
# weights it averages and the EMA {glue:text}`distance_ema:.1%` from the final model. An average
# of nearby networks has nearly their statistics. The update is cheap; here it mattered where
# the averaged weights were far apart and changed little where they were close.

# %% [markdown]
# ## Twenty seeds, paired
#
# Each method against the final model of the conventional run *of the same seed*: the mean
# difference with its 95% interval, and on how many seeds it won, tied and lost; the same for
# the log-loss (lower is better); and the expected calibration error (ECE, {numref}`chapter %s <ch-baselines>`) of each.
# The snapshot ensemble is also compared with its own last snapshot, the fair opponent for the
# readers' question whether single snapshots beat the ensemble.

# %%
base_acc, base_loss, _ = scores["final model (baseline)"]
rows = {}
for name, (acc, loss, ece) in scores.items():
    if name != "final model (baseline)":
        rows[name] = (
            el.paired_comparison(acc, base_acc),
            el.paired_comparison(loss, base_loss),
        )
ensemble_acc, ensemble_loss, _ = scores["snapshot ensemble (5)"]
last_acc, last_loss, _ = scores["last snapshot"]
rows["snapshot ensemble - last snapshot"] = (
    el.paired_comparison(ensemble_acc, last_acc),
    el.paired_comparison(ensemble_loss, last_loss),
)
se = np.sqrt(np.mean(base_acc) * (1 - np.mean(base_acc)) / len(digits.y_test))
el.glue("base_acc", float(np.mean(base_acc)))
el.glue("base_sd", float(np.std(base_acc, ddof=1)))
el.glue("single_se", float(se))
el.paired_table(
    rows,
    ("accuracy", "log-loss"),
    baseline="final model (baseline)",
    means={
        "accuracy": {name: np.mean(s[0]) for name, s in scores.items()},
        "ECE": {name: np.mean(s[2]) for name, s in scores.items()},
    },
)

# %% [markdown]
# The conventional run's final models average {glue:text}`base_acc:.4f`, with a standard
# deviation of {glue:text}`base_sd:.4f` between seeds; one model's accuracy on 1497 test images
# has a binomial standard error of about {glue:text}`single_se:.4f`. Pairing, which cancels
# what the two runs of one seed share (their initial weights and the order of their batches),
# is what makes differences of a few thousandths visible. Three things stand out. SWA's and the
# EMA's mean differences from the final model are small (SWA {glue:text}`swa_gain:+.4f`, the
# EMA {glue:text}`ema_gain:+.4f`, both with the statistics updated), with intervals on both
# sides of zero; the EMA's mean log-loss difference is {glue:text}`ema_loss_gain:+.4f` with its
# stale statistics. Everything built on the snapshot run has a lower mean accuracy than the
# conventional run's final model (for the last snapshot alone, the verdict after Holm's
# adjustment below is "{glue:text}`last_verdict`"), and the ensemble of five snapshots scores
# below its own last snapshot ({glue:text}`ens_last_gain:+.4f`, interval
# {glue:text}`ens_last_low:+.4f` to {glue:text}`ens_last_high:+.4f`), although it has the lowest
# ECE in the table ({glue:text}`ens_ece:.4f` against the baseline's {glue:text}`base_ece:.4f`;
# ECE differences are not tested here).

# %% [markdown]
# ## What independent networks do
#
# The methods above all work inside one run. The classic alternative costs one run per member:
# an ensemble of independently initialised networks {cite:p}`lakshminarayanan2017`. The twenty
# final models of the conventional run form four such ensembles of five seeds each (seeds 0-4,
# 5-9, ...), to set beside the five-member snapshot ensembles of the same seeds. Diversity is
# what an ensemble feeds on; it is measured here as the share of test images on which two
# members predict different digits, averaged over all pairs.


# %%
def disagreement(members):
    """Mean share of test images on which two members' predicted digits differ,
    over all pairs."""
    predicted = [p.argmax(axis=-1) for p in members]
    pairs = [
        (i, j)
        for i in range(len(predicted))
        for j in range(i + 1, len(predicted))
    ]
    return float(
        np.mean([np.mean(predicted[i] != predicted[j]) for i, j in pairs])
    )


final_probs, snapshot_ensembles = (
    probs["final model (baseline)"],
    probs["snapshot ensemble (5)"],
)
groups = [slice(start, start + 5) for start in range(0, len(SEEDS), 5)]
independent = [
    float(np.mean(final_probs[g].mean(axis=0).argmax(axis=-1) == digits.y_test))
    for g in groups
]
fitted = []
for epoch, weights in snapshots[::-1]:
    snapshot_run.set_weights(weights)
    predicted = np.asarray(snapshot_run(TRAIN_IMAGES, training=False)).argmax(
        axis=-1
    )
    fitted.append(
        (
            epoch + 1,
            int(np.sum(np.all(predicted == digits.y_train[:, None], axis=0))),
        )
    )
between_seeds = disagreement(list(final_probs))
within_runs = np.mean(
    [disagreement([p[s] for p in member_probs]) for s in range(len(SEEDS))]
)
el.glue("first_snapshot", float(np.mean(accuracy(member_probs[-1]))))
el.glue("first_all_fitted", min(epoch for epoch, n in fitted if n == len(SEEDS)))
el.glue("independent_min", min(independent))
el.glue("independent_max", max(independent))
el.glue("independent_gain", float(np.mean(independent) - np.mean(base_acc)))
el.glue("between_seeds", between_seeds)
el.glue("within_runs", float(within_runs))
el.table(
    {
        "snapshot after epoch": [epoch + 1 for epoch, _ in snapshots[::-1]],
        "mean test accuracy": [np.mean(accuracy(p)) for p in member_probs[::-1]],
        "seeds fitting all 300 training images": [n for _, n in fitted],
    },
    formats={"mean test accuracy": ".4f"},
)

# %%
print(
    "disagreement between the final models of different seeds: "
    f"{between_seeds:.3f}"
)
print(
    "disagreement between the snapshots of one run (mean over seeds): "
    f"{within_runs:.3f}"
)
el.table(
    {
        "seeds": [f"{g.start} to {g.stop - 1}" for g in groups],
        "single final models": [np.mean(base_acc[g]) for g in groups],
        "snapshot ensembles": [
            np.mean(accuracy(snapshot_ensembles[g])) for g in groups
        ],
        "ensemble of the 5 finals": independent,
    },
    formats={
        "single final models": ".4f",
        "snapshot ensembles": ".4f",
        "ensemble of the 5 finals": ".4f",
    },
)

# %% [markdown]
# Here is the difference between the two kinds of ensemble. An ensemble of five independently
# trained networks scores from {glue:text}`independent_min:.4f` to
# {glue:text}`independent_max:.4f`, {glue:text}`independent_gain:+.4f` above a single final
# model on average, where five snapshots of one run lose accuracy. Two likely reasons show in
# the output. The snapshots are less diverse: two snapshots of one run disagree on
# {glue:text}`within_runs:.1%` of the test images, two networks of different seeds on
# {glue:text}`between_seeds:.1%`. And the first snapshots are weak: after one 12-epoch cycle a
# snapshot scores {glue:text}`first_snapshot:.4f` on average, and soft voting gives it the same
# say as the others. The snapshot ensemble's members are cheap because they share one run, and
# sharing one run is the likely reason they agree more.

# %% [markdown]
# ## The verdict
#
# The table above holds nine comparisons on two measures: eighteen tests, adjusted together
# with Holm's method as in {numref}`chapter %s <ch-many-seeds>`, for the $t$-test and, separately, for Wilcoxon's
# signed-rank test. A verdict is "helps" or "hurts" when the adjusted $p$ is below 0.05, by the
# sign of the mean difference; otherwise "no detectable effect". The population these tests
# speak of is runs of this recipe, with random initial weights and batch orders, on this one
# split of the digits.

# %%
names = list(rows)
verdicts = el.holm_verdicts(
    rows, ("accuracy", "log-loss"), lower_is_better=(False, True)
)
words, robust = verdicts.words, verdicts.robust_words
el.glue("n_agree", sum(words[name] == robust[name] for name in names))
el.glue("n_comparisons", len(names))
for key, name in (
    ("ema", "Keras EMA, BN updated"),
    ("swa", "SWA, BN updated"),
    ("avg_stale", "snapshot average, stale BN"),
    ("avg_updated", "snapshot average, BN updated"),
    ("last", "last snapshot"),
    ("ens", "snapshot ensemble (5)"),
    ("ens_last", "snapshot ensemble - last snapshot"),
):
    paired = rows[name][0]
    el.glue(f"{key}_gain", float(paired.difference.mean))
    el.glue(f"{key}_low", float(paired.difference.low))
    el.glue(f"{key}_high", float(paired.difference.high))
    el.glue(f"{key}_verdict", words[name][0])
    el.glue(f"{key}_loss_verdict", words[name][1])
el.glue(
    "bn_repair",
    float(
        np.mean(
            scores["snapshot average, BN updated"][0]
            - scores["snapshot average, stale BN"][0]
        )
    ),
)
el.glue("ema_loss_gain", float(rows["Keras EMA, stale BN"][1].difference.mean))
el.glue("ens_ece", float(np.mean(scores["snapshot ensemble (5)"][2])))
el.glue("base_ece", float(np.mean(scores["final model (baseline)"][2])))
verdicts.table()

# %% mystnb={"figure": {"caption": "Each method minus the final model of the conventional run of the same seed, test accuracy, mean over 20 seeds with its 95% confidence interval (not adjusted for multiplicity). The dashed line is no change.", "name": "fig-cnn-differences"}}
fig, ax = plt.subplots(figsize=(8, 4))
el.plot_intervals(
    {name: rows[name][0].difference for name in names if " - " not in name},
    ax=ax,
    xlabel="test accuracy, method - final model",
)
plt.show()

# %% [markdown]
# {numref}`fig-cnn-differences` draws the accuracy differences. After Holm's adjustment, the
# accuracy verdicts (with updated statistics) are "{glue:text}`swa_verdict`" for SWA and
# "{glue:text}`ema_verdict`" for the EMA, whose log-loss verdict is
# "{glue:text}`ema_loss_verdict`". The snapshot ensemble's accuracy verdict is
# "{glue:text}`ens_verdict`" against the baseline and "{glue:text}`ens_last_verdict`" against its
# own last snapshot; the snapshot average's is "{glue:text}`avg_stale_verdict`" with stale
# statistics and "{glue:text}`avg_updated_verdict`" with updated ones.
# Wilcoxon's test gives the same words as the $t$-test for {glue:text}`n_agree` of the
# {glue:text}`n_comparisons` comparisons.
#
# How does this compare with the blobs? {numref}`Chapter %s <ch-many-seeds>` reported gains of a few thousandths for the
# methods over a final model trained at a *constant* rate, with annealing the rate to zero
# alone doing about as well as any of them. Here the opponent already ends at a rate of zero,
# and the network fits its training images well before the end: in the snapshot run at least,
# every seed's snapshot classifies all 300 of them correctly from epoch
# {glue:text}`first_all_fitted` on. The late epochs then stay close together (the distances
# above), and an average of them is nearly the last network. What the digits add to the blobs
# is the price of the "free" ensemble: here the ensemble of independent networks is the one
# that gains, at five times the cost of one run.
#
# ## Summary
#
# - {py:obj}`el.ExactConv2D <ensemble_lib.exact.ExactConv2D>` and {py:obj}`el.ExactBatchNormalization <ensemble_lib.batchnorm.ExactBatchNormalization>` are built so that a CNN's training gives
#   the same bits on every processor (the book's tests run it on an emulated one); twenty seeds
#   train in one Keras model of grouped layers, and a copy matched its own seed's plain `fit` to
#   {glue:text}`largest_difference:.0e`.
# - SWA done properly (pre-training, a constant SWA rate, an average per epoch, the statistics
#   updated) and Keras's weight EMA change the test accuracy of the final model of a run
#   annealed to zero by {glue:text}`swa_gain:+.4f` and {glue:text}`ema_gain:+.4f` on average;
#   the verdicts after Holm's adjustment: "{glue:text}`swa_verdict`" and
#   "{glue:text}`ema_verdict`".
# - Averaged weights need their batch-normalisation statistics measured again. When the
#   averaged models are far apart, as the snapshots of a cyclic run are, the stale statistics
#   cost accuracy ({glue:text}`avg_stale_gain:+.4f` against the baseline) and
#   {py:obj}`el.update_batchnorm <ensemble_lib.batchnorm.update_batchnorm>` recovers {glue:text}`bn_repair:+.4f` of it; when they are close, as in
#   SWA's last epochs, the update changes little.
# - The snapshot ensemble scores below the conventional run's final model
#   ({glue:text}`ens_gain:+.4f`) and below its own last snapshot, with the lowest ECE; its
#   members agree more than independent networks do, and its first member is weak.
# - Ensembles of five independent networks score {glue:text}`independent_min:.4f` to
#   {glue:text}`independent_max:.4f` (four groups of five seeds, not tested),
#   {glue:text}`independent_gain:+.4f` above a single final model on average.
# - Every number is about runs of this recipe on one split of the digits.
#
# Open questions: would data augmentation or weight decay, which keep the gradients from
# vanishing once the training images are fitted, give SWA something to average? Would fewer,
# longer cycles, or dropping the first snapshot, make the snapshot ensemble pay? The readers'
# other questions, a binary task with a sigmoid output and a pattern for one's own model, are
# the subject of the next chapter.
#
# ## Exercises
#
# ```{exercise} Without the first snapshot
# :label: ex-cnn-first-snapshot
#
# After one 12-epoch cycle, the first snapshot is much weaker than the others. Score the soft
# vote of the last four snapshots only, against the baseline and against the vote of all five,
# seed by seed.
# ```
#
# ```{solution-start} ex-cnn-first-snapshot
# :class: dropdown
# ```

# %%
last_four = accuracy(np.mean(member_probs[:4], axis=0))
five = scores["snapshot ensemble (5)"][0]
against = {
    "last four - final model": el.paired_comparison(
        last_four, base_acc
    ),
    "last four - all five": el.paired_comparison(
        last_four, five
    ),
}
el.table(
    {
        "difference in test accuracy": list(against),
        "mean [95% CI]": [
            c.difference for c in against.values()
        ],
        "p": [c.p_value for c in against.values()],
        "won/tied/lost": [
            f"{c.better}/{c.tied}/{c.worse}"
            for c in against.values()
        ],
    },
    formats={"mean [95% CI]": "+.4f", "p": ".3f"},
)

# %% [markdown]
# Compare the two rows: dropping the weak first member changes the vote, but read the first row
# for whether it lifts the ensemble to the final model of a conventional run. These $p$-values
# are unadjusted: two tests asked after seeing the chapter's results.
#
# ```{solution-end}
# ```
#
# ```{exercise} How many images does the update need?
# :label: ex-cnn-bn-images
#
# {py:obj}`el.update_batchnorm <ensemble_lib.batchnorm.update_batchnorm>` measured the statistics on all 300 training images. Update the
# snapshot average's statistics from the first 10, 30 and 100 training images instead and
# compare the mean test accuracies.
# ```
#
# ```{solution-start} ex-cnn-bn-images
# :class: dropdown
# ```

# %%
counts, by_count = [10, 30, 100, 300], []
for count in counts:
    snapshot_run.set_weights(snapshot_average)
    el.update_batchnorm(snapshot_run, TRAIN_IMAGES[:count])
    by_count.append(
        np.mean(
            accuracy(
                probabilities(
                    snapshot_run, snapshot_run.get_weights()
                )
            )
        )
    )
el.table(
    {
        "training images for the statistics": counts,
        "mean test accuracy": by_count,
    },
    formats={"mean test accuracy": ".4f"},
)

# %% [markdown]
# The statistics are means and variances over many positions of every image, so a few dozen
# images estimate them nearly as well as all 300; read the table for where the accuracy stops
# changing. PyTorch's `update_bn` and keras-swa likewise make one pass over the training data,
# and on a large data set a subset would do.
#
# ```{solution-end}
# ```
#
# ```{exercise} What pairing buys
# :label: ex-cnn-pairing
#
# Compare SWA (statistics updated) with the final model twice: with the paired $t$-test of
# this chapter, and with Welch's $t$-test for two independent samples
# (`scipy.stats.ttest_ind(..., equal_var=False)`), which ignores that the two come from the same
# seeds. Do the same for the snapshot ensemble.
# ```
#
# ```{solution-start} ex-cnn-pairing
# :class: dropdown
# ```

# %%
from scipy.stats import ttest_ind

compared = ["SWA, BN updated", "snapshot ensemble (5)"]
el.table(
    {
        "method - final model": compared,
        "paired t-test p": [
            rows[n][0].p_value for n in compared
        ],
        "Welch's t-test p": [
            ttest_ind(
                scores[n][0], base_acc, equal_var=False
            ).pvalue
            for n in compared
        ],
        "correlation with the baseline": [
            rows[n][0].correlation for n in compared
        ],
    },
    formats={
        "paired t-test p": ".4f",
        "Welch's t-test p": ".4f",
        "correlation with the baseline": ".2f",
    },
)

# %% [markdown]
# Where a method and the final model of the same seed move together (a high correlation), the
# paired test removes the seed-to-seed spread that they share and sees smaller effects; where
# they do not, pairing buys little. The correlation column says which case each method is.
#
# ```{solution-end}
# ```
