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
# (ch-binary)=
# # Two classes, and your own model
#
# Readers of the original tutorials asked two more questions: how does a snapshot ensemble vote
# when the network has a single sigmoid output, and how do these techniques fit a model of their
# own? This chapter answers both on real medical data, with the methods of {numref}`chapters %s <ch-many-seeds>` and {numref}`%s <ch-cnn>`.
#
# In this chapter you will
#
# - train a binary classifier with a sigmoid output on 150 breast-cancer cases, with an exact
#   sigmoid and a loss computed from its logits;
# - average probabilities and threshold them at 0.5, and see why `argmax` gives nonsense on a
#   sigmoid output;
# - compare the final model, Keras's weight EMA, SWA, the snapshot average and the snapshot
#   ensemble over forty seeds, paired, with adjusted $t$ and Wilcoxon tests and calibration;
# - apply the four pieces of the library (the checkpoint callback, the weighted average, the
#   snapshot callback and the batch-normalisation update) to a network this book has not used.

# %% tags=["hide-input"]
import ensemble_lib as el  # first: it fixes TensorFlow's numeric path

from dataclasses import asdict
from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np

SEED = el.reproducible(0)
el.use_book_style()

# %% [markdown]
# ## The cases
#
# scikit-learn ships the Wisconsin breast-cancer data inside the package: 569 cases, each
# described by 30 measurements of cell nuclei in a biopsy image, labelled malignant or benign.
# We train on 150 cases (a small training set, as in the originals, so that a network's result
# depends on its seed) and test on the other 419. The split is stratified, and each measurement
# is standardised with the training cases' mean and standard deviation. Malignant is the
# positive class, 1.

# %%
cases = el.load_cancer_cases()
el.glue("n_test", len(cases.x_test))
el.glue("benign_share", float(np.mean(cases.y_test == 0)))
labels = {"training": cases.y_train, "test": cases.y_test}
el.table(
    {
        "set": list(labels),
        "cases": [len(y) for y in labels.values()],
        "benign (0)": [int(np.sum(y == 0)) for y in labels.values()],
        "malignant (1)": [int(np.sum(y == 1)) for y in labels.values()],
    }
)

# %% [markdown]
# ## A sigmoid output, exactly
#
# The network has {numref}`chapter %s <ch-baseline>`'s shape with one output: a hidden layer of ReLU units, then
# `Dense(1)` with a sigmoid, the probability that the case is malignant. The recipe is chapter
# 2's (SGD with momentum 0.9, batches of 32) with three changes, shown below: 32 hidden units
# instead of 25, a rate of 0.05 instead of 0.01, and 100 epochs instead of 500. Keras's `"sigmoid"` and
# `binary_crossentropy` would bring back what {numref}`chapter %s <ch-baseline>` removed: the cross-entropy's gradient
# goes through TensorFlow's `Reciprocal` kernel, whose low bits depend on the processor. The
# library's {py:obj}`el.exact_sigmoid <ensemble_lib.exact.exact_sigmoid>` computes the logistic function from `exp` and a division, and
# {py:obj}`el.exact_binary_crossentropy <ensemble_lib.exact.exact_binary_crossentropy>` computes Keras's binary cross-entropy from the logits the
# sigmoid remembers. The recipe first:

# %%
RECIPE = el.BINARY_RECIPE
fields = asdict(RECIPE)
el.table(
    {"field": list(fields), "value": list(fields.values())},
    formats={"value": "g"},
)

# %% [markdown]
# Then the network; the first line compares our formula with Keras's loss on the same output of
# an untrained network: they agree to float32 rounding.

# %%
model = el.build_binary_mlp(seed=SEED)
p = model(cases.x_train, training=False)
labels = cases.y_train[:, None].astype("float32")
ours = float(keras.ops.mean(el.exact_binary_crossentropy(labels, p)))
keras_loss = float(keras.ops.mean(keras.losses.binary_crossentropy(labels, p)))
print(
    f"untrained network, binary cross-entropy: ours {ours:.7f}, Keras's "
    f"{keras_loss:.7f}"
)
el.table(
    {
        "layer": [layer.name for layer in model.layers],
        "type": [type(layer).__name__ for layer in model.layers],
        "output shape": [str(layer.output.shape) for layer in model.layers],
        "weights": [layer.count_params() for layer in model.layers],
    }
)

# %% [markdown]
# ## Forty seeds in one model
#
# As in {numref}`chapter %s <ch-cnn>`, the seeds train side by side in one Keras model: {py:obj}`el.build_binary_replicas <ensemble_lib.binary.build_binary_replicas>`
# gives each layer a replica axis (`EinsumDense`, replica $r$'s kernel is slice $r$), each
# replica reads its own seed's batches, and the loss is the sum of the replicas' losses, so each
# gradient is its own run's. The network is so small that forty seeds cost little, and forty
# give the paired tests more power than twenty. The check: replica 0 of a two-replica model
# against seed 0 trained alone by `fit`, after three epochs.

# %%
SEEDS = list(range(40))
STEPS = RECIPE.steps_per_epoch(len(cases.x_train))
TEST_CASES = np.repeat(
    cases.x_test[:, None], len(SEEDS), axis=1
)  # (cases, replicas, features)


def sgd(recipe=RECIPE, **options):
    return keras.optimizers.SGD(
        recipe.learning_rate, momentum=recipe.momentum, **options
    )


def train_copies(callbacks, **optimizer_options):
    """Train one replica per seed with the recipe's SGD; return the model (its
    weights at the end)."""
    copies = el.build_binary_replicas(SEEDS, RECIPE)
    copies.compile(sgd(**optimizer_options), el.binary_replica_loss)
    batches = el.binary_replica_batches(
        cases.x_train, cases.y_train, SEEDS, RECIPE
    )
    copies.fit(
        batches,
        epochs=RECIPE.epochs,
        steps_per_epoch=STEPS,
        callbacks=callbacks,
        verbose=0,
    )
    return copies


def check_against_fit(epochs=3):
    """Largest difference between replica 0 of a two-replica run and seed 0
    trained alone, same batches."""
    short = RECIPE.replace(epochs=epochs)
    alone = el.build_binary_mlp(0, short)
    alone.compile(sgd(short), el.exact_binary_crossentropy)
    own = el.binary_replica_batches(cases.x_train, cases.y_train, [0], short).map(
        lambda x, y: (x[:, 0], y[:, 0])
    )
    alone.fit(own, epochs=epochs, steps_per_epoch=STEPS, verbose=0)
    pair = el.build_binary_replicas([0, 1], short)
    pair.compile(sgd(short), el.binary_replica_loss)
    pair.fit(
        el.binary_replica_batches(cases.x_train, cases.y_train, [0, 1], short),
        epochs=epochs,
        steps_per_epoch=STEPS,
        verbose=0,
    )
    replica = el.binary_replica_weights(pair.get_weights(), 0)
    return max(
        float(np.max(np.abs(a - b))) for a, b in zip(replica, alone.get_weights())
    )


largest_difference = check_against_fit()
print(
    "largest weight difference after 3 epochs, replica 0 against its own fit: "
    f"{largest_difference:.1e}"
)
el.glue("largest_difference", largest_difference)


def logits(copies, weights):
    """Every replica's logit of malignancy on the test cases, (seeds, cases), in
    float64."""
    copies.set_weights(weights)
    return el.sigmoid_logits(copies, TEST_CASES).T


# %% [markdown]
# The replica differs from its own `fit` by {glue:text}`largest_difference:.1e`: float32
# rounding (a batched product rounds differently from a single one), not another training.
#
# ## Three runs per seed
#
# The three runs of {numref}`chapter %s <ch-cnn>`, scaled to 100 epochs: a conventional run whose rate falls from
# 0.05 to nearly zero along one cosine curve (a strong opponent: it ends settled), keeping Keras's weight EMA (momentum 0.99: about the last 100
# steps, 20 epochs of 5 batches); SWA, at the recipe's rate until epoch 50, falling linearly to
# 0.025 by epoch 75, then constant, with the weights of the last 25 epochs averaged; and a
# snapshot ensemble of five cosine cycles of 20 epochs.

# %%
folder = Path("checkpoints")
conventional = train_copies(
    [
        el.CosineAnnealing(RECIPE.epochs, 1, RECIPE.learning_rate),
        el.EpochCheckpoints(folder / "09_conventional", last=1, replace=True),
    ],
    use_ema=True,
    ema_momentum=0.99,
)
ema_weights = conventional.get_weights()  # after fit: the EMA
[(_, final_weights)] = el.load_checkpoints(
    folder / "09_conventional", like=conventional
)

SWA_START, SWA_RATE = 75, 0.025


def swa_schedule(epoch, rate):
    """The recipe's rate until epoch 50, a linear fall to the SWA rate by
    SWA_START, then constant."""
    if epoch < 50:
        return RECIPE.learning_rate
    if epoch < SWA_START:
        return RECIPE.learning_rate + (SWA_RATE - RECIPE.learning_rate) * (
            epoch - 49
        ) / (SWA_START - 50)
    return SWA_RATE


swa_run = train_copies(
    [
        keras.callbacks.LearningRateScheduler(swa_schedule),
        el.EpochCheckpoints(
            folder / "09_swa", last=RECIPE.epochs - SWA_START, replace=True
        ),
    ]
)
collected = el.load_checkpoints(folder / "09_swa", like=swa_run)
snapshot_run = train_copies(
    [
        el.SnapshotEnsemble(
            folder / "09_snapshots",
            RECIPE.epochs,
            5,
            RECIPE.learning_rate,
            replace=True,
        )
    ]
)
snapshots = el.load_checkpoints(
    folder / "09_snapshots", like=snapshot_run
)  # most recent first
print(
    "SWA averages the weights after epochs",
    min(e for e, _ in collected) + 1,
    "to",
    max(e for e, _ in collected) + 1,
)
print("snapshots after epochs", [epoch + 1 for epoch, _ in snapshots])

# %% [markdown]
# ## Voting with one output
#
# A sigmoid network returns one number per case, $p$, the probability of the positive class.
# Soft voting averages the members' $p$ and predicts malignant when the average is at least 0.5:
# the same rule as one model's, applied to the average, and the average is also the ensemble's
# probability, which the log-loss and the calibration below need. Habits from multi-class code go
# wrong here: `argmax` over the last axis of an output of width one returns 0 for every case,
# "benign", always. A majority of hard votes (each member thresholded first) is a legitimate
# rule, but it gives a decision without a probability.
#
# From here on the chapter scores every model from its logits $z$, not from its float32
# probabilities: many cases get a $p$ so close to 1 that float32 rounds it to exactly 1, and
# $\log(1 - p)$ is lost. {py:obj}`el.sigmoid_logits(model, x) <ensemble_lib.binary.sigmoid_logits>` returns the logits behind a model's
# exact sigmoid, and {py:obj}`el.soft_vote(z) <ensemble_lib.binary.soft_vote>` returns the soft vote as a logit,
# $\log \overline{p} - \log \overline{(1 - p)}$, computed in log space, so that the ensemble
# predicts malignant where it is at least 0 (the means' $1/n$ cancels):
#
# ```{literalinclude} ../ensemble_lib/binary.py
# :pyobject: soft_vote
# :start-at: log_p, log_q = -np.logaddexp(0, -z)
# :dedent:
# ```
#
# The cell compares the rules on the five snapshots of every seed.

# %%
member_logits = np.stack(
    [logits(snapshot_run, weights) for _, weights in snapshots]
)  # (members, seeds, cases)
rounded_to_one = int(
    np.sum(
        np.asarray(el.exact_sigmoid(member_logits[0].astype(np.float32))) == 1.0
    )
)
soft = (
    el.soft_vote(member_logits) >= 0
)  # the soft vote: average p, then threshold at 0.5
hard = (member_logits >= 0).mean(axis=0) > 0.5  # a majority of thresholded votes
p_members = 1 / (1 + np.exp(-member_logits))
wrong = (
    p_members[..., None].mean(axis=0).argmax(axis=-1)
)  # argmax over a width-one axis
print(
    "test cases on which the soft and the hard vote differ, over all "
    f"{len(SEEDS)} seeds:",
    int(np.sum(soft != hard)),
    f"of {soft.size}",
)
print(
    "last snapshots' float32 probabilities equal to 1 exactly: "
    f"{rounded_to_one} of {member_logits[0].size}"
)
el.glue("argmax_accuracy", float(np.mean(wrong == cases.y_test)))
el.glue("soft_accuracy", float(np.mean(soft == cases.y_test)))
el.glue("hard_accuracy", float(np.mean(hard == cases.y_test)))
el.glue("votes_differ", int(np.sum(soft != hard)))
el.glue("votes_total", int(soft.size))
votes = {
    "soft vote": soft,
    "majority of hard votes": hard,
    "argmax (wrong)": wrong,
}
el.glue("rounded_to_one", rounded_to_one)
el.table(
    {
        "rule": list(votes),
        "mean test accuracy over the seeds": [
            np.mean(v == cases.y_test) for v in votes.values()
        ],
    },
    formats={"mean test accuracy over the seeds": ".4f"},
)

# %% [markdown]
# The `argmax` line scores exactly the share of benign cases in the test set,
# {glue:text}`benign_share:.4f`: it predicts benign for every case. The soft and the hard vote
# disagree on {glue:text}`votes_differ` of the {glue:text}`votes_total` seed-case pairs (they
# can differ only where the members are split and the minority is the more confident), and
# score {glue:text}`soft_accuracy:.4f` and {glue:text}`hard_accuracy:.4f`. The rest of the
# chapter uses the soft vote, for its probability. And {glue:text}`rounded_to_one` of the last
# snapshots' float32 probabilities are exactly 1: a log-loss computed from them would clip those
# cases' $\log(1 - p)$ instead of measuring it.
#
# ## Forty seeds, paired
#
# Each method against the conventional run's final model of the same seed, as in {numref}`chapter %s <ch-cnn>`:
# accuracy at threshold 0.5, the log-loss, and the expected calibration error (ECE, computed
# on the two columns $1 - p$ and $p$, so the confidence is that of the predicted class).

# %%
logit_of = {
    "final model (baseline)": logits(conventional, final_weights),
    "Keras EMA": logits(conventional, ema_weights),
    "SWA": logits(
        swa_run,
        el.average_weights(
            [w for _, w in collected], el.shares(len(collected), "equal")
        ),
    ),
    "snapshot average": logits(
        snapshot_run,
        el.average_weights(
            [w for _, w in snapshots], el.shares(len(snapshots), "equal")
        ),
    ),
    "last snapshot": member_logits[0],
    "snapshot ensemble (5)": el.soft_vote(member_logits),
}


def two_columns(z):
    """(seeds, cases) logits -> (seeds, cases, 2) probabilities of classes 0 and
    1, for the ECE."""
    p = 1 / (1 + np.exp(-z))
    return np.stack([1 - p, p], axis=-1)


scores = {
    name: (
        np.mean((z >= 0) == cases.y_test, axis=1),
        el.binary_log_loss(z, cases.y_test),
        el.expected_calibration_error(two_columns(z), cases.y_test),
    )
    for name, z in logit_of.items()
}
base_acc, base_loss, _ = scores["final model (baseline)"]
rows = {}
for name, (acc, loss, ece) in scores.items():
    if name != "final model (baseline)":
        rows[name] = (
            el.paired_comparison(acc, base_acc),
            el.paired_comparison(loss, base_loss),
        )
rows["snapshot ensemble - last snapshot"] = tuple(
    el.paired_comparison(
        scores["snapshot ensemble (5)"][j], scores["last snapshot"][j]
    )
    for j in range(2)
)
el.glue("base_acc", float(np.mean(base_acc)))
el.glue("base_sd", float(np.std(base_acc, ddof=1)))
el.glue(
    "single_se",
    float(
        np.sqrt(np.mean(base_acc) * (1 - np.mean(base_acc)) / len(cases.y_test))
    ),
)
el.glue("case_step", 1 / len(cases.y_test))
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
# The final models average {glue:text}`base_acc:.4f`, with a standard deviation of
# {glue:text}`base_sd:.4f` between seeds; one model's accuracy on {glue:text}`n_test` cases has
# a binomial standard error of about {glue:text}`single_se:.4f`, which pairing cancels where two
# models of one seed err on the same cases. One case is worth {glue:text}`case_step:.4f` of
# accuracy, so many seeds tie with their baseline, and a mean difference of a few thousandths is
# about one case per seed.

# %% [markdown]
# ## Independent networks
#
# The strong opponent of {numref}`chapter %s <ch-cnn>`: ensembles of independently trained networks, here eight
# ensembles of five seeds each (seeds 0-4, 5-9, ...), built from the conventional run's final
# models and compared with the mean of their own five members.

# %%
final_logits = logit_of["final model (baseline)"]
groups = [slice(start, start + 5) for start in range(0, len(SEEDS), 5)]
group_logits = np.stack(
    [el.soft_vote(final_logits[g]) for g in groups]
)  # (groups, cases)
group_acc = np.mean((group_logits >= 0) == cases.y_test, axis=1)
group_loss = el.binary_log_loss(group_logits, cases.y_test)
member_acc = np.array([np.mean(base_acc[g]) for g in groups])
member_loss = np.array([np.mean(base_loss[g]) for g in groups])
ens_acc, ens_loss, _ = scores["snapshot ensemble (5)"]
snap_loss = np.array([np.mean(ens_loss[g]) for g in groups])
el.glue("loss_groups_below", int(np.sum(group_loss < snap_loss)))
el.glue("independent_gain", float(np.mean(group_acc - member_acc)))
el.glue("independent_loss_gain", float(np.mean(group_loss - member_loss)))
print(
    f"ensembles of 5 final models: accuracy {group_acc.min():.4f} to "
    f"{group_acc.max():.4f}"
)
print(
    "groups where the independent ensemble's log-loss is below the mean of its "
    "seeds'"
)
print(
    f"snapshot ensembles: {int(np.sum(group_loss < snap_loss))} of {len(groups)}"
)
el.table(
    {
        "ensemble, against the final models of its seeds": [
            "5 independent final models",
            "snapshot ensemble of each seed",
        ],
        "accuracy": [
            np.mean(group_acc - member_acc),
            np.mean(ens_acc - base_acc),
        ],
        "log-loss": [
            np.mean(group_loss - member_loss),
            np.mean(ens_loss - base_loss),
        ],
    },
    formats={"accuracy": "+.4f", "log-loss": "+.4f"},
)

# %% [markdown]
# Against the final models of the same seeds, five independent networks change the accuracy by
# {glue:text}`independent_gain:+.4f` on average (one test case is worth
# {glue:text}`case_step:.4f`) and the log-loss by {glue:text}`independent_loss_gain:+.4f`; the
# five snapshots of one run change them by {glue:text}`ens_gain:+.4f` and
# {glue:text}`ens_loss_gain:+.4f`. The independent ensemble's log-loss is the lower in
# {glue:text}`loss_groups_below` of the 8 groups, at five times the training cost. Eight groups
# make a small sample, and this comparison is not among the adjusted tests below.
#
# ## The verdict
#
# Six comparisons on two measures, twelve tests, adjusted together with Holm's method, once for
# the $t$-test and once for Wilcoxon's signed-rank test; "helps" or "hurts" when the adjusted $p$
# is below 0.05. The population is runs of this recipe, with random initial weights and batch
# orders, on this one split of the cases: the 419 test cases are fixed, so the verdicts speak of
# these cases, not of new patients.

# %%
names = list(rows)
verdicts = el.holm_verdicts(
    rows, ("accuracy", "log-loss"), lower_is_better=(False, True)
)
words, robust = verdicts.words, verdicts.robust_words
el.glue("n_agree", sum(words[name] == robust[name] for name in names))
el.glue("n_comparisons", len(names))
for key, name in (
    ("ema", "Keras EMA"),
    ("swa", "SWA"),
    ("avg", "snapshot average"),
    ("last", "last snapshot"),
    ("ens", "snapshot ensemble (5)"),
    ("ens_last", "snapshot ensemble - last snapshot"),
):
    accuracy_row, loss_row = rows[name]
    el.glue(f"{key}_gain", float(accuracy_row.difference.mean))
    el.glue(f"{key}_loss_gain", float(loss_row.difference.mean))
    el.glue(f"{key}_verdict", words[name][0])
    el.glue(f"{key}_loss_verdict", words[name][1])
el.glue("ens_ece", float(np.mean(scores["snapshot ensemble (5)"][2])))
el.glue("base_ece", float(np.mean(scores["final model (baseline)"][2])))
verdicts.table()

# %% mystnb={"figure": {"caption": "Each method minus the final model of the conventional run of the same seed: test accuracy at threshold 0.5 (left) and log-loss (right, lower is better), mean over 40 seeds with its 95% confidence interval (not adjusted for multiplicity). The dashed lines are no change.", "name": "fig-binary-differences"}}
fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.6), sharey=True)
methods = [name for name in names if " - " not in name]
el.plot_intervals(
    {name: rows[name][0].difference for name in methods},
    ax=left,
    xlabel="accuracy, method - final model",
)
el.plot_intervals(
    {name: rows[name][1].difference for name in methods},
    ax=right,
    xlabel="log-loss, method - final model",
)
plt.show()

# %% [markdown]
# {numref}`fig-binary-differences` draws both measures. On accuracy the verdicts are
# "{glue:text}`ema_verdict`" for the EMA, "{glue:text}`swa_verdict`" for SWA and
# "{glue:text}`last_verdict`" for the last snapshot, while the snapshot average ({glue:text}`avg_gain:+.4f`) and the snapshot ensemble
# ({glue:text}`ens_gain:+.4f`) are judged "{glue:text}`avg_verdict`" and
# "{glue:text}`ens_verdict`", by less than one test case per seed. On the log-loss the
# snapshot ensemble ({glue:text}`ens_loss_gain:+.4f`, and {glue:text}`ens_last_loss_gain:+.4f`
# against its own last snapshot), the snapshot average ({glue:text}`avg_loss_gain:+.4f`) and
# the EMA ({glue:text}`ema_loss_gain:+.4f`) are judged "{glue:text}`ens_loss_verdict`",
# "{glue:text}`avg_loss_verdict`" and "{glue:text}`ema_loss_verdict`"; SWA
# ({glue:text}`swa_loss_gain:+.4f`) and the last snapshot ({glue:text}`last_loss_gain:+.4f`)
# "{glue:text}`swa_loss_verdict`" and "{glue:text}`last_loss_verdict`". The ensemble's ECE is {glue:text}`ens_ece:.4f` against the baseline's
# {glue:text}`base_ece:.4f` (ECE differences are not tested). Wilcoxon's test gives the same
# words as the $t$-test for {glue:text}`n_agree` of the {glue:text}`n_comparisons` comparisons.

# %% [markdown]
# ## Your own model
#
# Everything above went through the library's replica models. On a model of your own, trained
# by one ordinary `fit`, the techniques are four pieces. Here they are on a network this book has
# not used: a functional model with a batch-normalised hidden layer (BN, as {numref}`chapter %s <ch-cnn>` explains,
# is where averaging needs care).
#
# 1. {py:obj}`el.EpochCheckpoints(folder, last=k) <ensemble_lib.checkpoints.EpochCheckpoints>`: a callback that saves the weights of the last $k$
#    epochs;
# 2. {py:obj}`el.average_weights(members, shares) <ensemble_lib.averaging.average_weights>`: their weighted average ({py:obj}`el.shares(k, "equal") <ensemble_lib.averaging.shares>`,
#    `"linear"` or `"exponential"`, {numref}`chapter %s <ch-polyak>`);
# 3. {py:obj}`el.SnapshotEnsemble(folder, epochs, cycles, rate) <ensemble_lib.schedules.SnapshotEnsemble>`: the cosine schedule with restarts that
#    saves a snapshot at the end of each cycle ({numref}`chapter %s <ch-snapshots>`);
# 4. {py:obj}`el.update_batchnorm(model, x) <ensemble_lib.batchnorm.update_batchnorm>`: after setting averaged weights, the BN layers' statistics
#    measured again on the training data ({numref}`chapter %s <ch-cnn>`).
#
# The exact layers ({py:obj}`el.ExactBatchNormalization <ensemble_lib.batchnorm.ExactBatchNormalization>`, {py:obj}`el.exact_sigmoid <ensemble_lib.exact.exact_sigmoid>` with
# {py:obj}`el.exact_binary_crossentropy <ensemble_lib.exact.exact_binary_crossentropy>`) are what make the numbers below the same on every processor;
# the four pieces themselves take any Keras model.


# %%
def own_model(seed):
    inputs = keras.Input((cases.x_train.shape[1],))
    h = keras.layers.Dense(
        16,
        use_bias=False,
        kernel_initializer=keras.initializers.GlorotUniform(seed),
    )(inputs)
    h = el.ExactBatchNormalization()(h)
    h = keras.layers.ReLU()(h)
    outputs = keras.layers.Dense(
        1,
        activation=el.exact_sigmoid,
        kernel_initializer=keras.initializers.GlorotUniform(seed + 1),
    )(h)
    return keras.Model(inputs, outputs, name="own_model")


own = own_model(SEED)
own.compile(keras.optimizers.SGD(momentum=0.9), el.exact_binary_crossentropy)
train_cases = el.binary_replica_batches(
    cases.x_train, cases.y_train, [SEED], RECIPE
).map(
    lambda x, y: (
        x[:, 0],
        y[:, 0],
    )  # seed 0's batches, as (cases, features) and labels
)
own.fit(
    train_cases,
    epochs=100,
    steps_per_epoch=STEPS,
    verbose=0,
    callbacks=[
        el.SnapshotEnsemble(
            folder / "09_own_snapshots", 100, 5, 0.05, replace=True
        ),  # piece 3
        el.EpochCheckpoints(
            folder / "09_own_last", last=10, replace=True
        ),  # piece 1
    ],
)

last_ten = el.load_checkpoints(folder / "09_own_last", like=own)
averaged = el.average_weights(
    [w for _, w in last_ten], el.shares(len(last_ten), "equal")
)  # piece 2


def own_accuracy(weights, refresh=False):
    own.set_weights(weights)
    if refresh:
        el.update_batchnorm(own, cases.x_train)  # piece 4
    return float(
        np.mean(
            (np.asarray(own(cases.x_test, training=False))[:, 0] >= 0.5)
            == cases.y_test
        )
    )


own_snapshots = el.load_checkpoints(folder / "09_own_snapshots", like=own)
own_vote = el.soft_vote(
    [
        el.sigmoid_logits(el.model_with_weights(own, w), cases.x_test)[:, 0]
        for _, w in own_snapshots
    ]
)  # the ensemble's logit
own_scores = {
    "final model": own_accuracy(last_ten[0][1]),
    "average of the last 10 epochs, stale BN": own_accuracy(averaged),
    "average of the last 10 epochs, BN update": own_accuracy(
        averaged, refresh=True
    ),
    f"snapshot ensemble of {len(own_snapshots)}, soft vote": float(
        np.mean((own_vote >= 0) == cases.y_test)
    ),
}
for key, value in zip(("final", "stale", "updated", "vote"), own_scores.values()):
    el.glue(f"own_{key}", value)
el.table(
    {"your model": list(own_scores), "test accuracy": list(own_scores.values())},
    formats={"test accuracy": ".4f"},
)

# %% [markdown]
# On this one seed the final model scores {glue:text}`own_final:.4f`; the average of the last
# ten epochs scores {glue:text}`own_stale:.4f` with its averaged BN statistics and
# {glue:text}`own_updated:.4f` with the statistics measured again (one test case is worth
# {glue:text}`case_step:.4f`), and the snapshot ensemble {glue:text}`own_vote:.4f`. One seed is a demonstration, not evidence:
# a comparison over many seeds, paired, as above, is the way to tell whether any of these
# changes helps on your problem. Two more Keras pieces
# complete the kit: `compile(..., use_ema=True)` (or the optimizer's `use_ema`) keeps a weight
# EMA, which Keras copies into the model at the end of `fit`, and the
# `keras.callbacks.SwapEMAWeights` callback swaps the EMA in while Keras evaluates during
# training, so that validation scores are the EMA's.
#
# ## Summary
#
# - A network with one sigmoid output votes by averaging its members' probabilities and
#   thresholding the average. `argmax` over the single output scored
#   {glue:text}`argmax_accuracy:.4f`, the share of benign cases; the soft vote and a majority of
#   hard votes disagreed on {glue:text}`votes_differ` of {glue:text}`votes_total` seed-case pairs.
# - Against the final model of a run annealed to nearly zero, over forty paired seeds with
#   Holm's adjustment, no method raised accuracy detectably; the snapshot average and the
#   snapshot ensemble lowered it, by less than one test case per seed. The snapshot ensemble's
#   log-loss verdict is "{glue:text}`ens_loss_verdict`" ({glue:text}`ens_loss_gain:+.4f`), and
#   its ECE ({glue:text}`ens_ece:.4f`) is lower than the baseline's ({glue:text}`base_ece:.4f`):
#   its probabilities improved while its decisions got slightly worse.
# - The toy problem of {numref}`chapters %s <ch-blobs>` to {numref}`%s <ch-baselines>`, the blobs, gave another picture: there the opponent was
#   trained at a constant rate, the methods raised accuracy by a few thousandths, and annealing
#   the rate alone did as well. Here the opponent is already annealed (as on the digits in
#   {numref}`chapter %s <ch-cnn>`), and what an average of one run's models improved was the probabilities, not the
#   decisions.
# - On a model of your own: save epochs or snapshots with the two callbacks, average or vote,
#   and measure BN statistics again after averaging; then compare over seeds.
#
# Open questions:
#
# - The threshold 0.5 treats a missed cancer and a false alarm as equally costly. A screening
#   test would choose the threshold from the costs; does averaging change the best threshold?
# - Five independent networks had the lower log-loss in most groups of seeds here: how many
#   snapshots, or how long a cycle, would it take a snapshot ensemble to match them?
#
# ## Exercises
#
# ```{exercise} Choosing the threshold
# :label: ex-binary-threshold
#
# A missed cancer costs more than a false alarm. For the final models of the 40 seeds, compute
# the *sensitivity* (the share of malignant test cases predicted malignant) and the
# *specificity* (the share of benign ones predicted benign) at thresholds 0.5, 0.3 and 0.1 on
# the predicted probability, and the same for the snapshot ensembles. Work on the logits: a
# probability above $t$ is a logit above $\log(t / (1 - t))$.
# ```
#
# ```{solution-start} ex-binary-threshold
# :class: dropdown
# ```

# %%
malignant = cases.y_test == 1
rates = []
for name in ("final model (baseline)", "snapshot ensemble (5)"):
    for t in (0.5, 0.3, 0.1):
        predicted = logit_of[name] >= np.log(
            t / (1 - t)
        )  # (seeds, cases)
        rates.append(
            (
                name,
                t,
                np.mean(predicted[:, malignant]),
                np.mean(~predicted[:, ~malignant]),
            )
        )
el.table(
    {
        "model": [r[0] for r in rates],
        "threshold": [r[1] for r in rates],
        "sensitivity": [r[2] for r in rates],
        "specificity": [r[3] for r in rates],
    },
    formats={
        "threshold": "g",
        "sensitivity": ".4f",
        "specificity": ".4f",
    },
)

# %% [markdown]
# Lowering the threshold trades specificity for sensitivity, for both models; where on that
# trade a screening test should sit is a question of costs, not of this book. Compare the two
# models row by row at each threshold to see whether averaging moves the trade.
#
# ```{solution-end}
# ```
#
# ```{exercise} Average the probabilities, or the logits?
# :label: ex-binary-logits
#
# The soft vote averages the members' probabilities. Averaging their logits instead is a
# different ensemble (a geometric mean of the odds). Score both on the five snapshots of every
# seed: mean test accuracy and log-loss.
# ```
#
# ```{solution-start} ex-binary-logits
# :class: dropdown
# ```

# %%
by_probability = el.soft_vote(
    member_logits
)  # the logit of the mean probability
by_logit = member_logits.mean(axis=0)
combined = {
    "mean of the probabilities": by_probability,
    "mean of the logits": by_logit,
}
el.table(
    {
        "snapshot ensemble": list(combined),
        "accuracy": [
            np.mean((z >= 0) == cases.y_test)
            for z in combined.values()
        ],
        "log-loss": [
            np.mean(el.binary_log_loss(z, cases.y_test))
            for z in combined.values()
        ],
    },
    formats={"accuracy": ".4f", "log-loss": ".4f"},
)

# %% [markdown]
# The two rules rarely decide a case differently, so the accuracies are close; the log-losses
# differ more, because a mean of logits lets one very confident member pull the ensemble far
# towards its side, while a mean of probabilities cannot move beyond what the members average.
#
# ```{solution-end}
# ```
#
# ```{exercise} What float32 probabilities would have cost
# :label: ex-binary-float32
#
# Score the final models' log-loss twice: from the logits in float64, as the chapter does, and
# from float32 probabilities clipped to $[10^{-7}, 1 - 10^{-7}]$, as a Keras metric on the
# sigmoid's output would. How large is the difference, next to the effects in the paired table?
# ```
#
# ```{solution-start} ex-binary-float32
# :class: dropdown
# ```

# %%
z = logit_of["final model (baseline)"]
p32 = np.clip(
    np.asarray(el.exact_sigmoid(z.astype(np.float32))),
    1e-7,
    1 - 1e-7,
).astype(np.float64)
y = cases.y_test
from_probabilities = -np.mean(
    y * np.log(p32) + (1 - y) * np.log(1 - p32), axis=1
)
difference = from_probabilities - el.binary_log_loss(z, y)
el.glue("float32_error", float(np.mean(difference)))
el.glue(
    "final_at_one",
    int(
        np.sum(
            np.asarray(el.exact_sigmoid(z.astype(np.float32)))
            == 1.0
        )
    ),
)
el.glue(
    "error_share",
    float(
        abs(
            np.mean(difference)
            / rows["Keras EMA"][1].difference.mean
        )
    ),
)
el.table(
    {
        "log-loss of the final models": [
            "from logits, float64",
            "from float32 probabilities",
            "difference, mean over seeds",
        ],
        "value": [
            np.mean(el.binary_log_loss(z, y)),
            np.mean(from_probabilities),
            np.mean(difference),
        ],
    },
    formats={"value": "+.5f"},
)

# %% [markdown]
# The final models' float32 probabilities are exactly 1 in {glue:text}`final_at_one` of the
# seed-case pairs, and the clipped log-loss differs from the exact one by
# {glue:text}`float32_error:+.5f` on average (the clip caps the loss of a confidently wrong case
# at $-\log 10^{-7} \approx 16$). That is about {glue:text}`error_share:.0%` of the EMA's effect
# in the paired table ({glue:text}`ema_loss_gain:+.4f`): small here, but an error of the
# measurement itself, which scoring from the logits removes.
#
# ```{solution-end}
# ```
