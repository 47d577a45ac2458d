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
# (ch-snapshots)=
# # Snapshot ensembles
#
# An ensemble of independently trained networks is one of the most reliable ways to improve a
# model, and one of the most expensive: $M$ members cost $M$ training runs.
# {cite:t}`huang2017` asked for the ensemble "for free": **train 1, get M**. With the cyclic schedule of
# {numref}`Chapter %s <ch-cosine>`, one run settles into a minimum at the end of every cycle; save a snapshot
# there, and the run leaves behind $M$ models at the cost of one.
#
# In this chapter you will
#
# - collect a snapshot at the end of each of 10 cosine cycles of a 500-epoch run, with one
#   callback inside an ordinary `fit`;
# - combine them by soft voting, score ensembles of the last $n = 1, \dots, 10$ snapshots beside
#   each snapshot alone, and compare with the original tutorial and the Bayes ceiling;
# - find out why the ensemble here stays below the best snapshot, by measuring how much the members
#   disagree and how well calibrated they are;
# - average the snapshots' *weights* instead of their predictions (the idea behind Stochastic
#   Weight Averaging), and look at the loss along the straight line between two snapshots;
# - answer the original's open questions: the cycle length and the maximum learning rate.

# %% tags=["hide-input"]
import ensemble_lib as el  # first: it fixes TensorFlow's numeric path

from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np

SEED = el.reproducible(0)
el.use_book_style()

# %% [markdown]
# ## Why an aggressive schedule gives an ensemble
#
# Averaging the predictions of several models helps only when the models are **skilful** (each
# good on its own) and **diverse** (wrong on different points): the errors of one are outvoted
# by the others. Models saved a few epochs apart in a constant-rate run, as in {numref}`chapter %s <ch-polyak>`,
# are skilful but nearly identical. Huang et al. make them diverse with the warm restarts of
# cosine annealing: the large rate at the start of each cycle throws the network out of the
# minimum it had found, and the long stretch of small rates lets it settle into another. A
# snapshot taken at the end of each cycle is then a settled, skilful model, and consecutive
# snapshots sit in different minima.
#
# ## Collecting the snapshots
#
# The original used a wider network for this run, 50 hidden units instead of 25, with SGD and
# momentum 0.9, $\eta_{\max} = 0.01$, 500 epochs in 10 cycles of 50 epochs.
# {py:class}`el.SnapshotEnsemble <ensemble_lib.schedules.SnapshotEnsemble>` is the cosine
# annealing callback of {numref}`chapter %s <ch-cosine>` plus a save at the end of every epoch
# with $(e + 1) \bmod 50 = 0$, through the same checkpoint files as
# {numref}`chapter %s <ch-polyak>`, so the same loader reads them:
#
# ```{literalinclude} ../ensemble_lib/schedules.py
# :pyobject: SnapshotEnsemble.on_epoch_end
# :dedent:
# ```

# %%
problem = el.load_blobs()
y_train = el.one_hot(problem.y_train)
bayes = el.BayesClassifier.for_problem(problem)
bayes_test = bayes.accuracy(problem.x_test, problem.y_test)


# The original's snapshot run: chapter 2's recipe on a wider network (50 hidden
# units).
WIDE = el.RECIPE.replace(hidden_units=50)


def snapshot_run(folder, n_cycles=10, lr_max=0.01):
    """Train the 50-unit MLP with a snapshot at the end of every cycle."""
    model = el.compile_sgd(el.build_mlp(seed=SEED, recipe=WIDE), WIDE)
    # replace=True: a re-run of the chapter replaces its previous snapshots
    snapshots = el.SnapshotEnsemble(
        folder, WIDE.epochs, n_cycles, lr_max, replace=True
    )
    el.train(
        model,
        problem.x_train,
        y_train,
        seed=SEED,
        recipe=WIDE,
        callbacks=[
            snapshots,
            el.TrainingProgress(f"{n_cycles} cycles, lr_max {lr_max}"),
        ],
    )
    return model, snapshots


folder = Path("checkpoints") / "05_snapshots"
model, snapshots = snapshot_run(folder)
print("snapshots saved after epochs:", snapshots.saved)

# %% [markdown]
# ## Soft voting
#
# Each snapshot becomes a model again with {py:obj}`el.model_with_weights <ensemble_lib.averaging.model_with_weights>`. The ensemble predicts by
# **soft voting**: add up the members' softmax outputs and take the class with the largest sum.
# {py:func}`el.ensemble_predict <ensemble_lib.ensembles.ensemble_predict>` does it in float64:
#
# ```{literalinclude} ../ensemble_lib/ensembles.py
# :pyobject: ensemble_predict
# :start-at: outputs = _member_probabilities(members, x)
# :dedent:
# ```
#
# As in the original, members are ordered most recent first, and the
# ensemble of size $n$ uses the last $n$ snapshots. {numref}`fig-snapshot-ensemble` plots the
# table below.

# %%
loaded = el.load_checkpoints(folder, like=model)  # most recent first
epochs = [epoch for epoch, _ in loaded]
members = [el.model_with_weights(model, weights) for _, weights in loaded]


def accuracy_of(predicted):
    return float(np.mean(predicted == problem.y_test))


single = [el.accuracy(m, problem.x_test, problem.y_test) for m in members]
ensemble = [
    accuracy_of(el.ensemble_predict(members[:n], problem.x_test))
    for n in range(1, 11)
]
original = [  # (single, ensemble) as the original reported them
    (0.813, 0.813),
    (0.814, 0.813),
    (0.822, 0.822),
    (0.810, 0.820),
    (0.813, 0.818),
    (0.811, 0.815),
    (0.807, 0.813),
    (0.805, 0.813),
    (0.805, 0.813),
    (0.790, 0.813),
]
print(
    f"singles: mean {np.mean(single):.3f}, standard deviation "
    f"{np.std(single):.3f}",
    "(the original's: 0.809, 0.008)",
)
el.glue("single_mean", float(np.mean(single)))
el.glue("single_best", max(single))
el.glue("ensemble_best", max(ensemble))
el.glue("ensemble_all", ensemble[-1])
el.table(
    {
        "n": list(range(1, 11)),
        "epoch": epochs,
        "n-th snapshot": single,
        "ensemble of n": ensemble,
        "original: n-th snapshot": [a for a, _ in original],
        "original: ensemble of n": [b for _, b in original],
    },
    formats={
        "n-th snapshot": ".3f",
        "ensemble of n": ".3f",
        "original: n-th snapshot": ".3f",
        "original: ensemble of n": ".3f",
    },
)

# %% mystnb={"figure": {"caption": "Test accuracy of the snapshot ensemble of the n most recent snapshots (line) and of the n-th snapshot alone (dots), with the singles' mean and the Bayes-optimal rule's accuracy on the test points.", "name": "fig-snapshot-ensemble"}}
fig, ax = plt.subplots()
el.plot_members(
    single,
    {"snapshot ensemble": ensemble},
    ax=ax,
    references={
        "mean of the singles": float(np.mean(single)),
        "Bayes rule, test points": bayes_test,
    },
)
ax.set_xticks(range(1, 11))
ax.set_ylim(0.78, 0.845)
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
plt.show()

# %% [markdown]
# The snapshots alone average {glue:text}`single_mean:.3f`; the best of them scores
# {glue:text}`single_best:.3f`, the best ensemble {glue:text}`ensemble_best:.3f`, and the
# ensemble of all ten {glue:text}`ensemble_all:.3f`. The original saw the same thing, and its
# readers asked why "single snapshots always outperform the ensemble". The ensemble is steadier
# than the singles, which is what an ensemble is for, but it does not reach beyond the best of
# them. Two measurements explain why.
#
# ## Why the ensemble falls short: the members hardly disagree
#
# Soft voting can only fix a point that some members get right and others get wrong. The
# **disagreement** of two members is the fraction of test points on which they predict different
# classes ({py:obj}`el.disagreement <ensemble_lib.ensembles.disagreement>`); {numref}`fig-snapshot-diversity` maps it for every pair.

# %%
dis = el.disagreement(members, problem.x_test)
x_test, y_test = problem.x_test, problem.y_test
errors = np.array([el.predict_classes(m, x_test) != y_test for m in members])
always_wrong = errors.all(axis=0).mean()
ever_wrong = errors.any(axis=0).mean()
bayes_wrong = bayes.predict(x_test) != y_test
shared_with_bayes = bayes_wrong[errors.all(axis=0)].mean()
el.glue("always_wrong", float(always_wrong))
el.glue("shared_with_bayes", float(shared_with_bayes))
el.table(
    {
        "measure": [
            "mean disagreement of two snapshots",
            "test points every snapshot gets wrong",
            "test points some snapshot gets wrong",
            "of the first, errors of the Bayes rule too",
        ],
        "fraction": [
            dis[np.triu_indices(10, 1)].mean(),
            always_wrong,
            ever_wrong,
            shared_with_bayes,
        ],
    },
    formats={"fraction": ".3f"},
)

# %% mystnb={"figure": {"caption": "Left: pairwise disagreement between the ten snapshots on the test points (labelled by the epoch that saved them). Right: mean disagreement against the distance between two snapshots, in cycles.", "name": "fig-snapshot-diversity"}}
fig, (ax_map, ax_dist) = plt.subplots(1, 2, figsize=(11, 4.0))
order = epochs[::-1]  # oldest first, for reading
grid = dis[::-1, ::-1]
mesh = ax_map.pcolormesh(grid, cmap="Blues", vmin=0)
ax_map.set_xticks(np.arange(10) + 0.5, order, rotation=90)
ax_map.set_yticks(np.arange(10) + 0.5, order)
ax_map.set_aspect("equal")
ax_map.grid(False)
fig.colorbar(mesh, ax=ax_map, label="disagreement")
distances = np.arange(1, 10)
by_distance = [np.mean(np.diagonal(dis, offset=d)) for d in distances]
print("mean disagreement, 1 to 9 cycles apart:")
print(np.round(by_distance, 3))
ax_dist.plot(distances, by_distance, "o-", color="#0072B2")
ax_dist.set_xlabel("distance between snapshots (cycles)")
ax_dist.set_ylabel("mean disagreement")
plt.show()

# %% [markdown]
# The snapshots disagree on only a few percent of the test points, and the further apart two
# snapshots are in the run, the more they disagree. Most errors are shared: a fraction
# {glue:text}`always_wrong:.3f` of the test points is misclassified by every snapshot, and
# {glue:text}`shared_with_bayes:.3f` of those are errors of the Bayes rule of {numref}`chapter %s <ch-blobs>`
# too, points lying on the wrong side of the best possible boundary, which no vote can fix. Only the few points some snapshots get right and others wrong are in play, and
# with so few of them the vote moves the accuracy by a few thousandths.
#
# ## Calibration: what the vote does to the probabilities
#
# Accuracy only counts the winning class. The log-loss scores the probabilities, and there
# averaging the members helps even when the votes change little: the mean of several
# over-confident predictions that disagree is less over-confident. The ensemble's log-loss ends
# below that of the typical snapshot, though, again, not below the best one.

# %%
ens_loss = []
for n in range(1, 11):
    _, probs = el.ensemble_predict(
        members[:n], problem.x_test, return_probabilities=True
    )
    p_true = np.clip(probs[np.arange(len(probs)), problem.y_test], 1e-7, 1.0)
    ens_loss.append(float(-np.mean(np.log(p_true))))
single_loss = [el.log_loss(m, problem.x_test, problem.y_test) for m in members]
print(f"mean of the single snapshots' log-loss: {np.mean(single_loss):.4f}")
el.table(
    {
        "n": list(range(1, 11)),
        "n-th snapshot: log-loss": single_loss,
        "ensemble of n: log-loss": ens_loss,
    },
    formats={"n-th snapshot: log-loss": ".4f", "ensemble of n: log-loss": ".4f"},
)

# %% [markdown]
# ## Averaging the weights instead: are the snapshots in one basin?
#
# {numref}`Chapter %s <ch-polyak>` averaged *weights*; here we averaged *predictions*. {cite:t}`izmailov2018`,
# with **Stochastic Weight Averaging** (SWA), bridged the two: they average the weights of models
# collected along a cyclic or constant-rate run, getting one network that behaves like an
# ensemble at the cost of one. Averaging weights only makes sense if the members lie in one
# basin of the loss surface, so that the points between them are good too. Let us test both.
#
# What we compute below is *not* SWA as its authors define it: SWA first trains normally for
# most of the budget (about 75%), then switches to its own constant or cyclic "SWA learning rate"
# and averages only the models collected from then on. We simply average all ten snapshots of
# our run, the one from epoch 49 (the end of the first cycle) included: a snapshot weight
# average, in the spirit of SWA.

# %%
swa_weights = el.average_weights(
    [w for _, w in loaded], el.shares(len(loaded), "equal")
)
swa = el.model_with_weights(model, swa_weights)
swa_acc = el.accuracy(swa, problem.x_test, problem.y_test)
swa_loss = el.log_loss(swa, problem.x_test, problem.y_test)
rows = {
    "last snapshot alone": (single[0], single_loss[0]),
    "snapshot ensemble, 10 members": (ensemble[-1], ens_loss[-1]),
    "weight average of the 10 snapshots": (swa_acc, swa_loss),
}
el.glue("swa_acc", swa_acc)
el.glue("swa_loss", swa_loss)
el.glue("ens10_acc", ensemble[-1])
el.glue("ens10_loss", ens_loss[-1])
el.table(
    {
        "model": list(rows),
        "test accuracy": [acc for acc, _ in rows.values()],
        "test log-loss": [loss for _, loss in rows.values()],
    },
    formats={"test accuracy": ".3f", "test log-loss": ".4f"},
)

# %% [markdown]
# The straight line between two snapshots tells whether they share a basin: compute the loss of
# the weights $(1 - t)\,w_a + t\,w_b$ for $t$ from 0 to 1. If the loss stays low all the way,
# they do; a bump in the middle is a barrier between two minima. {numref}`fig-snapshot-line`
# follows it between neighbouring snapshots and between the first and the last.

# %% mystnb={"figure": {"caption": "Training and test loss along the straight line between two snapshots' weights: between the last two snapshots (epochs 449 and 499) and between the first and the last (epochs 49 and 499).", "name": "fig-snapshot-line"}}
weights_by_epoch = dict(loaded)
scorer = keras.models.clone_model(model)
ts = np.linspace(0.0, 1.0, 21)


def losses_along(epoch_a, epoch_b):
    train, test = [], []
    for t in ts:
        scorer.set_weights(
            el.average_weights(
                [weights_by_epoch[epoch_a], weights_by_epoch[epoch_b]], [1 - t, t]
            )
        )
        train.append(el.log_loss(scorer, problem.x_train, problem.y_train))
        test.append(el.log_loss(scorer, problem.x_test, problem.y_test))
    return train, test


fig, ax = plt.subplots()
for (a, b), color in zip([(449, 499), (49, 499)], ["#0072B2", "#D55E00"]):
    train, test = losses_along(a, b)
    ax.plot(ts, train, "-", color=color, label=f"train, epochs {a} to {b}")
    ax.plot(ts, test, "--", color=color, label=f"test, epochs {a} to {b}")
ax.set_xlabel("t (0: first snapshot, 1: second)")
ax.set_ylabel("loss (cross-entropy)")
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
plt.show()

# %% [markdown]
# No barrier: along both lines the loss moves smoothly from its value at one end to its value at
# the other, with no bump in between, and the weight average of all ten snapshots, a point well inside the region they span, scores
# {glue:text}`swa_acc:.3f`. On this problem, with this rate, the restarts do not throw the
# network into other basins; they move it around within one wide basin. That is the same finding
# as the low disagreement, seen from the weights: the snapshots are variations on one model, which
# is why averaging their weights gives a working network at all, and why neither average gains
# much. In this run the weight average scores {glue:text}`swa_acc:.3f` against the ensemble's
# {glue:text}`ens10_acc:.3f`, with a log-loss of {glue:text}`swa_loss:.4f` against
# {glue:text}`ens10_loss:.4f`; one run cannot say whether either is better, and {numref}`chapter %s <ch-many-seeds>`
# measures both over 50 seeds.
#
# ## The open questions: cycle length and maximum learning rate
#
# If the snapshots are too alike, a shorter cycle gives more of them, and a larger maximum rate
# kicks harder at each restart. Each row below is a full 500-epoch run with its own snapshots;
# the ensemble uses all of them.


# %%
def summary(nets):
    singles = [el.accuracy(m, problem.x_test, problem.y_test) for m in nets]
    votes = accuracy_of(el.ensemble_predict(nets, problem.x_test))
    pairs = el.disagreement(nets, problem.x_test)[np.triu_indices(len(nets), 1)]
    mean_single = float(np.mean(singles))
    return len(nets), mean_single, max(singles), votes, float(pairs.mean())


def study(n_cycles, lr_max):
    folder_k = Path("checkpoints") / f"05_cycles{n_cycles}_lr{lr_max}"
    net, _ = snapshot_run(folder_k, n_cycles=n_cycles, lr_max=lr_max)
    loaded_k = el.load_checkpoints(folder_k, like=net)
    return summary([el.model_with_weights(net, w) for _, w in loaded_k])


variants = {}
for n_cycles, lr_max in [
    (5, 0.01),
    (10, 0.01),
    (20, 0.01),
    (50, 0.01),
    (10, 0.05),
    (10, 0.1),
]:
    if (n_cycles, lr_max) == (10, 0.01):
        row = summary(members)  # the run above
    else:
        row = study(n_cycles, lr_max)
    variants[n_cycles, lr_max] = row
columns = ["members", "mean single", "best single", "ensemble", "disagreement"]
by_length = [
    variants[c, 0.01] for c in (5, 10, 20, 50)
]  # cycle lengths at lr_max 0.01
el.glue("single_longest", float(by_length[0][1]))
el.glue("single_shortest", float(by_length[-1][1]))
el.glue("vote_low", float(min(row[3] for row in by_length)))
el.glue("vote_high", float(max(row[3] for row in by_length)))
el.glue("vote_005", float(variants[10, 0.05][3]))
el.glue("vote_01", float(variants[10, 0.1][3]))
el.table(
    {
        "cycles": [c for c, _ in variants],
        "epochs per cycle": [500 // c for c, _ in variants],
        "lr_max": [r for _, r in variants],
        **{
            name: [row[k] for row in variants.values()]
            for k, name in enumerate(columns)
        },
    },
    formats={"lr_max": "g", **{name: ".3f" for name in columns[1:]}},
)

# %% [markdown]
# Read the table for skill and diversity at once. Shorter cycles give more snapshots, each with
# less time to settle: the mean single snapshot falls from {glue:text}`single_longest:.3f` to
# {glue:text}`single_shortest:.3f` as the cycles shorten,
# while the snapshots disagree more. The largest maximum rate makes them disagree most of all, and
# costs skill. The ensemble column barely moves: {glue:text}`vote_low:.3f` to
# {glue:text}`vote_high:.3f` over the cycle lengths, where the extra diversity makes up for the
# lost skill, and {glue:text}`vote_005:.3f` and {glue:text}`vote_01:.3f` at the larger rates, where it
# does not; the best single snapshot of a run jumps around more than any ensemble does. Like every table
# in these chapters it comes from one seed, so it cannot rank the settings; {numref}`chapter %s <ch-many-seeds>` repeats
# it over many.
#
# ## Summary
#
# - A snapshot ensemble saves a model at the end of every cycle of a cosine schedule with warm
#   restarts, and predicts by soft voting over them: $M$ models for the price of one run.
# - Here, as in the original, the ensemble is steadier than the snapshots but does not beat the best
#   of them. The snapshots disagree on few test points, most errors are shared by all of them, and
#   the loss along the line between two snapshots shows no barrier: they lie in one basin.
# - Averaging their weights instead (in the spirit of SWA, not SWA itself) gives one working
#   network, which costs one model at prediction time instead of ten; whether it predicts as
#   well as the vote, one run cannot say ({numref}`chapter %s <ch-many-seeds>` measures it over 50 seeds).
# - Ensembling improves the log-loss as well as the accuracy: averaged probabilities are less
#   over-confident, though, again, not better than the best snapshot's.
#
# **Open questions.** Every number in {numref}`chapters %s <ch-baseline>` to {numref}`%s <ch-snapshots>` comes from one training run. Which of
# these methods really beats the plain final model, and by how much? {numref}`Chapter %s <ch-many-seeds>` answers with many
# seeds.
#
# ## Exercises
#
# ```{exercise} Hard voting
# :label: ex-snapshots-hard
#
# Instead of adding the members' probabilities, let each of the 10 snapshots vote for its
# predicted class and take the majority (*hard voting*). On how many test points does it
# disagree with soft voting, and which scores higher here?
# ```
#
# ```{solution-start} ex-snapshots-hard
# :class: dropdown
# ```

# %%
predicted = np.array(
    [el.predict_classes(m, problem.x_test) for m in members]
)
counts = np.stack(
    [np.sum(predicted == k, axis=0) for k in range(3)], axis=1
)
hard = counts.argmax(axis=1)  # a tie goes to the lower class
soft = el.ensemble_predict(members, problem.x_test)
el.glue("hard_soft_differ", int(np.sum(hard != soft)))
el.table(
    {
        "vote": [
            "hard (majority of classes)",
            "soft (sum of probabilities)",
        ],
        "test accuracy": [accuracy_of(hard), accuracy_of(soft)],
    },
    formats={"test accuracy": ".3f"},
)

# %% [markdown]
# The two votes differ on {glue:text}`hard_soft_differ` of the 1000 test points. With members
# this alike, a majority of classes and a sum of probabilities nearly always agree; soft voting
# is the usual choice because it also weighs how sure each member is, and because it gives the
# ensemble probabilities, which the log-loss and calibration need.
#
# ```{solution-end}
# ```
#
# ```{exercise} Independent runs instead of snapshots
# :label: ex-snapshots-independent
#
# Train the 50-unit network four times at the constant rate of the original recipe, with seeds
# 0 to 3 ({py:obj}`el.compile_sgd <ensemble_lib.training.compile_sgd>`, {py:obj}`el.build_mlp <ensemble_lib.models.build_mlp>` and {py:obj}`el.train <ensemble_lib.training.train>` with `recipe=WIDE`). How much do
# these four final models disagree, compared with the snapshots, and how does their soft vote
# score against the ensemble of the last four snapshots? What did each ensemble cost?
# ```
#
# ```{solution-start} ex-snapshots-independent
# :class: dropdown
# ```

# %%
independent = []
for seed in range(4):
    net = el.compile_sgd(
        el.build_mlp(seed=seed, recipe=WIDE), WIDE
    )
    el.train(
        net,
        problem.x_train,
        y_train,
        seed=seed,
        recipe=WIDE,
        callbacks=[el.TrainingProgress(f"seed {seed}")],
    )
    independent.append(net)
pairs = np.triu_indices(4, 1)
el.table(
    {
        "four models": [
            "independent runs, final models",
            "last four snapshots of one run",
        ],
        "training runs": [4, 1],
        "mean disagreement": [
            el.disagreement(independent, problem.x_test)[
                pairs
            ].mean(),
            el.disagreement(members[:4], problem.x_test)[
                pairs
            ].mean(),
        ],
        "soft vote: test accuracy": [
            accuracy_of(
                el.ensemble_predict(independent, problem.x_test)
            ),
            ensemble[3],
        ],
    },
    formats={
        "mean disagreement": ".3f",
        "soft vote: test accuracy": ".3f",
    },
)

# %% [markdown]
# Compare the disagreement column: runs that start from other random weights and see the
# batches in another order end in more different networks than the restarts of one run do,
# which is what an ensemble needs; they cost one training run each. Whether that buys accuracy
# on this problem is again a question for many seeds ({numref}`chapter %s <ch-baselines>`
# trains such deep ensembles against the snapshot ensemble).
#
# ```{solution-end}
# ```
#
# ```{exercise} The midpoint of the first and the last snapshot
# :label: ex-snapshots-midpoint
#
# {numref}`fig-snapshot-line` shows no barrier between the snapshots of epochs 49 and 499. Score
# the equal weight average of just these two, and the soft vote of the same two, on the test
# points.
# ```
#
# ```{solution-start} ex-snapshots-midpoint
# :class: dropdown
# ```

# %%
ends = [weights_by_epoch[49], weights_by_epoch[499]]
midpoint = el.model_with_weights(
    model, el.average_weights(ends, [0.5, 0.5])
)
pair = [el.model_with_weights(model, w) for w in ends]
_, pair_probabilities = el.ensemble_predict(
    pair, problem.x_test, return_probabilities=True
)
p_true = np.clip(
    pair_probabilities[np.arange(1000), problem.y_test],
    1e-7,
    1.0,
)
el.table(
    {
        "epochs 49 and 499": [
            "weights averaged",
            "predictions averaged",
        ],
        "test accuracy": [
            el.accuracy(
                midpoint, problem.x_test, problem.y_test
            ),
            accuracy_of(pair_probabilities.argmax(axis=1)),
        ],
        "test log-loss": [
            el.log_loss(
                midpoint, problem.x_test, problem.y_test
            ),
            float(-np.mean(np.log(p_true))),
        ],
    },
    formats={"test accuracy": ".3f", "test log-loss": ".4f"},
)

# %% [markdown]
# The midpoint is a working network, as the figure promised: 450 epochs and nine restarts apart,
# the two snapshots still lie in one basin, so their average is a point of low loss, not a
# point on a ridge between two minima.
#
# ```{solution-end}
# ```
