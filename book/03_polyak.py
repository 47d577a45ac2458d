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
# (ch-polyak)=
# # Polyak-Ruppert averaging of saved weights
#
# {numref}`Chapter %s <ch-baseline>` ended with a network whose test accuracy was still wandering up and down at
# the last epoch. This chapter takes the models that training visits near its end, saves them,
# and averages their weights into one model.
#
# In this chapter you will
#
# - see why the average of the last points of a noisy SGD trajectory lies closer to the bottom of
#   the valley than any one of them;
# - save the weights of the last epochs of a 500-epoch run to files with a Keras callback during
#   one ordinary `fit`, atomically, so that a killed run loses nothing and can be resumed;
# - load the checkpoints and average them layer by layer with equal, linearly decreasing and
#   exponentially decreasing weights, and compare each average with the single checkpoints;
# - answer the two questions the original tutorial left open (how many models, how fast to
#   forget) and compare with the exponential moving average built into Keras 3's optimizers.

# %% tags=["hide-input"]
import ensemble_lib as el  # first: it fixes TensorFlow's numeric path

from pathlib import Path

import keras
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

SEED = el.reproducible(0)
el.use_book_style()

# %% [markdown]
# ## Why averaging the end of a run helps
#
# With a constant learning rate, SGD does not stop at the bottom of the loss valley. Every step
# follows the gradient of one mini-batch, a noisy estimate of the true gradient, so near the
# bottom the weights keep bouncing from one wall of the valley to the other. Each single point of
# that trajectory is off the bottom in some direction; their average is off by much less, because
# the bounces to either side cancel.
#
# This is **Polyak-Ruppert averaging**, after {cite:t}`ruppert1988` and
# {cite:t}`polyak1992`, who proved that averaging the iterates of stochastic approximation
# converges as fast as the best possible method. Their guarantee is for step sizes that decrease
# slowly towards zero, on smooth convex problems; this book trains a non-convex network with a
# constant rate, where no such guarantee holds and the benefit is an empirical question (chapter
# 6 measures it). {cite:t}`goodfellow2016` (section 8.7.3) describe the averaging for neural
# networks. An exponentially decaying running average of the parameters
# is suggested in the Adam paper {cite:p}`kingma2014` and was used to evaluate the Inception v2
# and v3 networks {cite:p}`szegedy2016`.
#
# A toy makes the picture concrete: noisy gradient descent on a long, narrow quadratic valley with
# its bottom at the origin, drawn in {numref}`fig-polyak-valley`.

# %%
rng = np.random.default_rng(0)
curvature = np.array([1.0, 10.0])  # ten times steeper across than along
w = np.array([-4.0, 1.5])
path = [w]
for _ in range(400):
    noisy_gradient = curvature * w + rng.normal(0.0, 2.0, size=2)
    w = w - 0.05 * noisy_gradient
    path.append(w)
path = np.array(path)
last = path[-100:]
distance = np.linalg.norm  # to the bottom, at the origin
el.table(
    {
        "point": [
            "the last point",
            "one of the last 100, on average",
            "the average of the last 100",
        ],
        "distance to the bottom": [
            distance(last[-1]),
            distance(last, axis=1).mean(),
            distance(last.mean(axis=0)),
        ],
    },
    formats={"distance to the bottom": ".3f"},
)

# %% mystnb={"figure": {"caption": "Noisy gradient descent in a narrow quadratic valley (contours of the loss; bottom at the cross). The last 100 points (grey) scatter around the bottom; their average (red) lies much closer to it than a typical point does.", "name": "fig-polyak-valley"}}
fig, ax = plt.subplots()
grid = np.linspace(-4.5, 4.5, 200)
g1, g2 = np.meshgrid(grid, np.linspace(-1.8, 1.8, 200))
ax.contour(g1, g2, 0.5 * (g1**2 + 10 * g2**2), levels=12, colors="#cccccc")
ax.plot(*path[:-100].T, "-", color="#0072B2", lw=0.8, label="first 300 steps")
ax.plot(*last.T, "o", color="#999999", ms=3, label="last 100 points")
ax.plot(*last.mean(axis=0), "o", color="#D55E00", ms=9, label="their average")
ax.plot(0, 0, "k+", ms=12, mew=2)
ax.set_xlabel("$w_1$")
ax.set_ylabel("$w_2$")
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
plt.show()

# %% [markdown]
# A network's loss surface is not a quadratic bowl, but near the end of training, in one basin,
# it is close enough for the same effect to appear. Whether it is large enough to change the test
# accuracy of our small network is what the rest of this chapter measures.
#
# ## Saving checkpoints during training
#
# The original tutorial saved the model after each of the last 10 epochs to a file, then
# averaged the files, rather than keeping a running average in memory. It gave three reasons:
#
# 1. **The way of combining need not be chosen in advance.** Equal or decaying weights, 5 models
#    or 10: every choice can be tried afterwards on the same files.
# 2. **The length of training need not be known.** With early stopping the run ends when it
#    ends, and the last saved epochs are there.
# 3. **No second copy of the network in memory, and nothing lost in a crash.** The checkpoints
#    are on disk, not in the process.
#
# The original drove `fit` one epoch at a time in a Python loop to get a chance to save. Keras 3
# does this with a callback inside one `fit`: {py:obj}`el.EpochCheckpoints <ensemble_lib.checkpoints.EpochCheckpoints>` saves the weights at the end
# of each chosen epoch. It writes Keras 3's `.weights.h5` format: only the variables, no
# architecture (we rebuild that from code) and therefore small, and, since Keras 3, the
# optimizer's state too (the momentum and the step count), so every checkpoint is also a point
# to resume training from. (A `.keras` file would add the architecture and configuration, which
# we do not need; a bare `.h5` name is the legacy Keras 2 format.)
#
# The callback's work at the end of an epoch is one decision, which epochs to keep:
#
# ```{literalinclude} ../ensemble_lib/checkpoints.py
# :pyobject: EpochCheckpoints.on_epoch_end
# :dedent:
# ```
#
# Files outlive the process that wrote them, so the saving itself is careful: each file appears
# whole or not at all, the folder keeps a record of its run with a checksum of every file, and a
# second run started on the same folder is refused instead of mixing its checkpoints with ours
# ({ref}`how <appendix-machinery>`). A new run refuses a folder holding an earlier run's
# checkpoints unless told `replace=True`, as this chapter does so that re-running it starts over.
# The next section resumes an interrupted run.
#
# The run itself is the baseline of {numref}`chapter %s <ch-baseline>`: same model, same seed, same SGD with
# momentum, same batches. The original switched this run to Adam while its baseline used SGD,
# which mixes two changes in one comparison; we keep SGD, so that the only difference between
# the final model and the averages is the averaging. The recipe needs the last 10 epochs; we
# keep the last 250, to answer the questions at the end of the chapter.

# %%
problem = el.load_blobs()
y_train = el.one_hot(problem.y_train)
folder = Path("checkpoints") / "03_polyak"

# Chapter 2's recipe (el.RECIPE): SGD, learning rate 0.01, momentum 0.9, 500
# epochs.
model = el.compile_sgd(el.build_mlp(seed=SEED))
checkpoints = el.EpochCheckpoints(folder, last=250, replace=True)
el.train(
    model,
    problem.x_train,
    y_train,
    seed=SEED,
    callbacks=[checkpoints, el.TrainingProgress("training")],
)
files = sorted(folder.glob("epoch-*.weights.h5"))
el.glue("n_files", len(files))
el.glue("first_saved", checkpoints.saved[0])
el.glue("last_saved", checkpoints.saved[-1])
el.table(
    {
        "file (first two and last two)": [f.name for f in files[:2] + files[-2:]],
        "bytes": [f.stat().st_size for f in files[:2] + files[-2:]],
    }
)

# %% [markdown]
# The folder holds {glue:text}`n_files` checkpoints, of epochs {glue:text}`first_saved` to
# {glue:text}`last_saved`.
#
# ## Resuming an interrupted run
#
# Every checkpoint holds the optimizer's state, so a run cut short can go on from its newest
# checkpoint. Beside the epochs to average, `resume_every=100` keeps the newest of every 100th
# epoch as a resume point (at most 100 epochs are lost), and `window=(490, 500)` names the epochs
# to keep as members directly (`last=10` would say the same). Below, a callback stops a run after
# epoch 299, as a crash would. A fresh model, compiled the same way, then takes the newest
# checkpoint's weights and optimizer state from {py:obj}`el.resume_from_checkpoints <ensemble_lib.checkpoints.resume_from_checkpoints>`, which returns the
# epoch to continue from; {py:obj}`el.train(..., initial_epoch=...) <ensemble_lib.training.train>` continues with the batches the
# uninterrupted run would have seen.

# %%
resume_folder = Path("checkpoints") / "03_resume"


def resumable_checkpoints():
    return el.EpochCheckpoints(
        resume_folder, window=(490, 500), resume_every=100, replace=True
    )


interrupted = el.compile_sgd(el.build_mlp(seed=SEED))
crash = keras.callbacks.LambdaCallback(
    on_epoch_end=lambda epoch, logs: setattr(
        interrupted, "stop_training", epoch == 299
    )
)
el.train(
    interrupted,
    problem.x_train,
    y_train,
    seed=SEED,
    callbacks=[resumable_checkpoints(), crash],
)
before = el.saved_epochs(resume_folder)

resumed = el.compile_sgd(el.build_mlp(seed=SEED))  # as a new process would
start = el.resume_from_checkpoints(resumed, resume_folder)
el.train(
    resumed,
    problem.x_train,
    y_train,
    seed=SEED,
    initial_epoch=start,
    callbacks=[resumable_checkpoints()],
)
same = all(
    np.array_equal(a, b)
    for a, b in zip(resumed.get_weights(), model.get_weights())
)
el.table(
    {
        "moment": [
            "after the interruption",
            f"resumed at epoch {start}, finished",
        ],
        "epochs saved": [
            ", ".join(map(str, before)),
            ", ".join(map(str, el.saved_epochs(resume_folder))),
        ],
    }
)

# %%
print("final weights equal the uninterrupted run's, bit for bit:", same)

# %% [markdown]
# The resumed run ends exactly where the uninterrupted one did: same weights to the last bit,
# so nothing about the rest of this chapter depends on whether a run was ever interrupted.

# %% [markdown]
# ## Loading the checkpoints and averaging them
#
# {py:obj}`el.load_checkpoints <ensemble_lib.checkpoints.load_checkpoints>` reads the files back, most recent first, as `(epoch, weights)` pairs;
# `weights` is the list of arrays `model.get_weights()` returns: the hidden layer's kernel and
# bias, then the output layer's.

# %%
members = el.load_checkpoints(folder, like=model)
epochs = [epoch for epoch, _ in members]
saved_weights = [weights for _, weights in members]
print("most recent first:", epochs[:10], "...")
print("arrays per checkpoint:", [w.shape for w in saved_weights[0]])

# %% [markdown]
# An averaged model is the same network with every weight replaced by the weighted average of
# that weight across the checkpoints. Here is one weight, the first entry of the hidden layer's
# kernel, in the last 10 checkpoints, and its plain average:

# %%
one_weight = [float(w[0][0, 0]) for w in saved_weights[:10]]
averaged = el.average_weights(saved_weights[:10], el.shares(10, "equal"))
el.table(
    {
        "epoch": epochs[:10] + ["their average", "el.average_weights"],
        "first hidden weight": one_weight
        + [np.mean(one_weight), averaged[0][0, 0]],
    },
    formats={"first hidden weight": "+.5f"},
)

# %% [markdown]
# {py:obj}`el.average_weights <ensemble_lib.averaging.average_weights>` does exactly this for every entry of every array, in float64, after
# normalising the shares to sum to 1:
#
# ```{literalinclude} ../ensemble_lib/averaging.py
# :pyobject: average_weights
# :start-at: w = w / w.sum()
# :dedent:
# ```
#
# and {py:func}`el.model_with_weights <ensemble_lib.averaging.model_with_weights>` puts the
# result into a fresh clone of the architecture. To score many weight sets quickly we keep one
# clone and load each set into it in turn:

# %%
scorer = keras.models.clone_model(model)


def test_accuracy(weights):
    scorer.set_weights(weights)
    return el.accuracy(scorer, problem.x_test, problem.y_test)


def test_log_loss(weights):
    scorer.set_weights(weights)
    return el.log_loss(scorer, problem.x_test, problem.y_test)


final_accuracy = test_accuracy(saved_weights[0])
print(f"final model (epoch {epochs[0]}): test accuracy {final_accuracy:.3f}")
el.glue("final_accuracy", final_accuracy)

# %% [markdown]
# The final model scores {glue:text}`final_accuracy:.3f`, the number
# {numref}`chapter %s <ch-baseline>` reported:
# it is the same run.
#
# ## Three ways to weight the members
#
# Member $i$ is the $i$-th most recent checkpoint ($i = 1$ is the last epoch). With $n$ members,
# the original tried three weightings, each normalised to sum to 1:
#
# - **equal**: every member counts $1/n$;
# - **linearly decreasing**: member $i$ counts in proportion to $(n - i + 1)/n$, so
#   $n/n, (n-1)/n, \dots, 1/n$;
# - **exponentially decreasing**: member $i$ counts in proportion to $e^{-i/\alpha}$, with
#   $\alpha = 2$; the weight halves every $\alpha \ln 2 \approx 1.4$ epochs.

# {py:func}`el.shares <ensemble_lib.averaging.shares>` computes them:
#
# ```{literalinclude} ../ensemble_lib/averaging.py
# :pyobject: shares
# :start-at: i = np.arange(1, n + 1
# :dedent:
# ```
#
# (the exponential shares start from $e^{0}$ rather than $e^{-1/\alpha}$, which changes nothing
# after normalising but avoids dividing zero by zero for a tiny $\alpha$). For 10 members:

# %%
el.table(
    {
        "scheme": list(el.SCHEMES),
        **{
            f"{i}": [el.shares(10, s, alpha=2.0)[i - 1] for s in el.SCHEMES]
            for i in range(1, 11)
        },
    },
    formats={f"{i}": ".3f" for i in range(1, 11)},
)

# %% [markdown]
# For each scheme and each $n$ from 1 to 10, we average the $n$ most recent checkpoints and score
# the result, beside the $n$-th checkpoint alone, as the original did.

# %%
n_values = np.arange(1, 11)
single = [test_accuracy(saved_weights[n - 1]) for n in n_values]
average = {
    scheme: [
        test_accuracy(el.average_weights(saved_weights[:n], el.shares(n, scheme)))
        for n in n_values
    ]
    for scheme in el.SCHEMES
}
three = {f"{s} average": ".3f" for s in el.SCHEMES}
# How far the averages move the test accuracy from the final model's, in test
# points.
shift = (np.array([average[s] for s in el.SCHEMES]) - final_accuracy) * len(
    problem.y_test
)
el.glue("shift_up", int(round(shift.max())))
el.glue("shift_down", int(round(-shift.min())))
el.glue(
    "n_below_at_10", int(sum(average[s][-1] < final_accuracy for s in el.SCHEMES))
)
el.table(
    {
        "n": n_values,
        "epoch": epochs[:10],
        "n-th checkpoint": single,
        **{f"{s} average": average[s] for s in el.SCHEMES},
    },
    formats={"n-th checkpoint": ".3f", **three},
)

# %% [markdown]
# The original printed the same table for its own run (its single checkpoints come from the
# equal-weights run; the other two schemes list only their averages):

# %%
original = {
    "single": [
        0.814,
        0.814,
        0.811,
        0.805,
        0.807,
        0.805,
        0.802,
        0.805,
        0.805,
        0.810,
    ],
    "equal": [
        0.814,
        0.814,
        0.813,
        0.813,
        0.811,
        0.807,
        0.809,
        0.808,
        0.808,
        0.807,
    ],
    "linear": [
        0.814,
        0.815,
        0.814,
        0.813,
        0.813,
        0.813,
        0.811,
        0.810,
        0.809,
        0.809,
    ],
    "exponential": [0.814, 0.815, 0.814, 0.814] + [0.813] * 6,
}
el.table(
    {
        "n": n_values,
        "n-th checkpoint": original["single"],
        **{f"{s} average": original[s] for s in el.SCHEMES},
    },
    formats={"n-th checkpoint": ".3f", **three},
)

# %% [markdown]
# {numref}`fig-polyak-schemes` draws our three rows, each against the single checkpoints.

# %% mystnb={"figure": {"caption": "Test accuracy of the average of the n most recent checkpoints (line) and of the n-th checkpoint alone (dots), for the three weighting schemes. The dashed line is the final model.", "name": "fig-polyak-schemes"}}
fig, axes = plt.subplots(1, 3, figsize=(11, 3.4), sharey=True)
for ax, scheme in zip(axes, el.SCHEMES):
    el.plot_members(
        single,
        {scheme: average[scheme]},
        ax=ax,
        references={"final model": final_accuracy},
    )
    ax.set_title(scheme)
    ax.set_xticks(n_values)
for ax in axes[1:]:
    ax.set_ylabel("")
plt.show()

# %% [markdown]
# And {numref}`fig-polyak-compare` puts the three averages on one plot.

# %% mystnb={"figure": {"caption": "The three weighting schemes compared: test accuracy of the average of the n most recent checkpoints, with the single checkpoints as dots.", "name": "fig-polyak-compare"}}
fig, ax = plt.subplots()
el.plot_members(
    single, average, ax=ax, references={"final model": final_accuracy}
)
ax.set_xticks(n_values)
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
plt.show()


# %%
def spread_between_schemes(table):
    """The largest difference between two schemes' averages of the same n
    checkpoints."""
    return max(
        np.ptp([table[s][k] for s in el.SCHEMES]) for k in range(len(n_values))
    )


jump = max(abs(a - b) for a, b in zip(single, single[1:]))
gains = [max(average[s]) - max(single) for s in el.SCHEMES]
ours, theirs = spread_between_schemes(average), spread_between_schemes(original)
el.glue("single_min", min(single))
el.glue("single_max", max(single))
el.glue("jump_points", round(jump * len(problem.y_test)))
el.glue("gain_min_points", round(min(gains) * len(problem.y_test)))
el.glue("gain_max_points", round(max(gains) * len(problem.y_test)))
el.glue("spread_ours", float(ours))
el.glue("spread_original", float(theirs))
print(f"largest change between consecutive checkpoints: {jump:.3f}")
print(
    f"largest difference between schemes at the same n: ours {ours:.3f}, "
    f"the original's {theirs:.3f}"
)
el.table(
    {
        "models (n = 1 to 10)": ["single checkpoints"]
        + [f"{s} averages" for s in el.SCHEMES],
        "lowest": [min(single)] + [min(average[s]) for s in el.SCHEMES],
        "highest": [max(single)] + [max(average[s]) for s in el.SCHEMES],
        "best minus best single": [None] + gains,
    },
    formats={"lowest": ".3f", "highest": ".3f", "best minus best single": "+.3f"},
)

# %% [markdown]
# Read with care. Over the last 10 epochs the single checkpoints alone range from
# {glue:text}`single_min:.3f` to {glue:text}`single_max:.3f`: up to {glue:text}`jump_points`
# test points change side from one epoch to the next. The averages move within narrower ranges,
# the exponential one (which leans on the last few epochs) most steadily, as in the original;
# each scheme's best average beats the best single checkpoint, but only by
# {glue:text}`gain_min_points` to {glue:text}`gain_max_points` test points. Averages of the same
# $n$ checkpoints differ between schemes by up to {glue:text}`spread_ours:.3f`, and
# {numref}`chapter %s <ch-baseline>` showed that another seed moves the result by more, so one
# run cannot rank
# the schemes. The original's table is calmer: its schemes differ by up to
# {glue:text}`spread_original:.3f` at the same $n$. {numref}`Chapter %s <ch-many-seeds>` repeats the comparison over many
# seeds.
#
# ## How many models? Averaging the last 25, 50, 100 or 250 epochs
#
# The original stopped at 10 checkpoints. We saved 250. The accuracy moves in steps of 0.001
# and hides changes in confidence, so we also report the **log-loss** (the mean cross-entropy
# on the test points, lower is better), which sees every change in the predicted probabilities.

# %%
counts = [1, 10, 25, 50, 100, 250]
many = {}
for n in counts:
    for scheme in ("equal", "linear"):
        w = el.average_weights(saved_weights[:n], el.shares(n, scheme))
        many[scheme, n] = (test_accuracy(w), test_log_loss(w))
el.table(
    {
        "n": counts,
        **{
            f"{scheme} average: {measure}": [many[scheme, n][k] for n in counts]
            for scheme in ("equal", "linear")
            for k, measure in enumerate(("accuracy", "log-loss"))
        },
    },
    formats={
        "equal average: accuracy": ".3f",
        "equal average: log-loss": ".4f",
        "linear average: accuracy": ".3f",
        "linear average: log-loss": ".4f",
    },
)

# %% [markdown]
# {numref}`fig-polyak-many` follows the equal-weights average over all 250 checkpoints.

# %% mystnb={"figure": {"caption": "Averaging many checkpoints: test accuracy (left) and test log-loss (right) of the equal-weights average of the n most recent checkpoints, n from 1 to 250, with each n-th checkpoint alone as a dot.", "name": "fig-polyak-many"}}
all_n = np.arange(1, len(saved_weights) + 1)
equal_many = [
    el.average_weights(saved_weights[:n], el.shares(n, "equal")) for n in all_n
]
fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(11, 3.6))
el.plot_members(
    [test_accuracy(w) for w in saved_weights],
    {"equal": [test_accuracy(w) for w in equal_many]},
    ax=ax_acc,
    n=all_n,
)
el.plot_members(
    [test_log_loss(w) for w in saved_weights],
    {"equal": [test_log_loss(w) for w in equal_many]},
    ax=ax_loss,
    n=all_n,
    ylabel="test log-loss",
)
ax_acc.legend(loc="lower right")
plt.show()

# %% [markdown]
# The log-loss panel shows something the accuracy hides: the single checkpoints themselves have
# a lower log-loss the earlier they are (the dots fall towards the right, where $n$ reaches back
# to epoch 250). As training goes on with a constant learning rate, the network keeps growing its
# weights and becomes more confident, more than its accuracy justifies. The size of the weights
# shows it:

# %%
ends = (members[-1], members[0])
el.table(
    {
        "epoch": [epoch for epoch, _ in ends],
        "norm of all weights": [
            np.sqrt(sum(float((a**2).sum()) for a in weights))
            for _, weights in ends
        ],
    },
    formats={"norm of all weights": ".3f"},
)

# %% [markdown]
# A long average pulls the network back towards those earlier, less confident models: in the
# table above, its log-loss falls steadily once it spans 25 epochs or more (not over the first
# 10, where the equal average is no better than the final model).
#
# ## How fast to forget? The decay rate $\alpha$
#
# The exponential scheme has one knob. A small $\alpha$ forgets fast and tends to the last
# model alone; a large $\alpha$ tends to the equal average of all 250 checkpoints.

# %%
alphas = [0.5, 1, 2, 5, 10, 25, 50, 100, 250]
sweep = {}
for alpha in alphas:
    shares = el.shares(len(saved_weights), "exponential", alpha)
    w = el.average_weights(saved_weights, shares)
    sweep[alpha] = (test_accuracy(w), test_log_loss(w))
el.table(
    {
        "alpha": alphas,
        "test accuracy": [sweep[a][0] for a in alphas],
        "test log-loss": [sweep[a][1] for a in alphas],
    },
    formats={"alpha": "g", "test accuracy": ".3f", "test log-loss": ".4f"},
)

# %% [markdown]
# ## Keras 3's built-in exponential moving average
#
# Keras 3 optimizers can keep an exponential moving average (EMA) of the weights themselves:
# `use_ema=True` with a momentum $m$ updates a shadow copy after **every step**,
# $\bar w \leftarrow m \bar w + (1 - m) w$, and at the end of `fit` copies the average into the
# model. It changes nothing about the training trajectory, so with the same seed it averages the
# very run we checkpointed.
#
# Our exponential scheme with $\alpha$ weights epochs by $e^{-1/\alpha}$ per epoch; an EMA with
# 4 steps per epoch matches that with $m = e^{-1/(4\alpha)}$. For $\alpha = 2$ that is
# $m \approx 0.8825$. Keras's default is $m = 0.99$ (a memory of about 100 steps, 25 epochs), and
# $m = 0.999$ remembers about 1000 steps, 250 epochs.
#
# One detail matters for long memories. Keras starts the average at the weights after the first
# step and applies no bias correction (Adam corrects its own moving averages; Keras's weight EMA
# does not). After $T$ steps those nearly untrained weights therefore still count $m^{T-1}$ in the
# average: for $m = 0.999$ and the $T = 2000$ steps of this run, more than a tenth.


# %%
def train_with_ema(ema_momentum):
    net = el.compile_sgd(
        el.build_mlp(seed=SEED),
        use_ema=True,  # passed on to keras.optimizers.SGD
        ema_momentum=ema_momentum,
    )
    el.train(
        net,
        problem.x_train,
        y_train,
        seed=SEED,
        callbacks=[el.TrainingProgress(f"EMA momentum {ema_momentum:.4f}")],
    )
    return net


ema, ema_nets = {}, {}
for m in (float(np.exp(-1 / 8)), 0.99, 0.999):
    net = ema_nets[m] = train_with_ema(m)
    ema[m] = (
        el.accuracy(net, problem.x_test, problem.y_test),
        el.log_loss(net, problem.x_test, problem.y_test),
    )
el.table(
    {
        "EMA momentum": list(ema),
        "test accuracy": [a for a, _ in ema.values()],
        "test log-loss": [loss for _, loss in ema.values()],
        "first step's share": [m**1999 for m in ema],
    },
    formats={
        "EMA momentum": ".4f",
        "test accuracy": ".3f",
        "test log-loss": ".4f",
        "first step's share": ".3f",
    },
)

# %% [markdown]
# Is the average lost if the run is killed? Not if the run keeps checkpoints. The EMA lives in
# the optimizer (one shadow variable per weight), and a `.weights.h5` checkpoint stores the
# optimizer's variables, so the average is saved with every checkpoint and comes back when a run
# resumes. Below, the run with $m = 0.99$ is interrupted after epoch 299 and resumed from its
# checkpoint, as in the resume section above; at the end of `fit` Keras copies the average into
# the model, which we compare with the uninterrupted run's.

# %%
ema_folder = Path("checkpoints") / "03_ema_resume"


def ema_checkpoints():
    return el.EpochCheckpoints(ema_folder, last=1, resume_every=100, replace=True)


cut = el.compile_sgd(el.build_mlp(seed=SEED), use_ema=True, ema_momentum=0.99)
stop = keras.callbacks.LambdaCallback(
    on_epoch_end=lambda epoch, logs: setattr(cut, "stop_training", epoch == 299)
)
el.train(
    cut, problem.x_train, y_train, seed=SEED, callbacks=[ema_checkpoints(), stop]
)

again = el.compile_sgd(el.build_mlp(seed=SEED), use_ema=True, ema_momentum=0.99)
start = el.resume_from_checkpoints(again, ema_folder)
stored = [
    v.path for v in again.optimizer.variables if v.path.endswith("_average")
]
print(
    f"restored from the epoch-{start - 1} checkpoint: {len(stored)} EMA variables"
)
print("such as", stored[0])
el.train(
    again,
    problem.x_train,
    y_train,
    seed=SEED,
    initial_epoch=start,
    callbacks=[ema_checkpoints()],
)
same = all(
    np.array_equal(a, b)
    for a, b in zip(again.get_weights(), ema_nets[0.99].get_weights())
)
print("resumed EMA equals the uninterrupted run's, bit for bit:", same)

# %% [markdown]
# How the two approaches differ:
#
# | | checkpoint files, averaged afterwards | optimizer EMA (`use_ema=True`) |
# |---|---|---|
# | what is averaged | one snapshot per epoch | every step |
# | weighting | any, chosen afterwards, re-chosen at will | exponential, momentum fixed before training |
# | memory | nothing extra during training | a second copy of every weight |
# | disk | one file per saved epoch | nothing, or a second copy of the weights in each checkpoint |
# | a crash | loses nothing saved; the run can resume | with checkpoints, resumes with its average; without, loses it |
# | code | a callback and a few lines to average | one argument |
#
# The EMA is the better tool when you already know the averaging you want, the model is large
# and updated often, and you want no files: it is free and exact to the step. Checkpoint files
# are the better tool when you want to explore: how many models, which weighting, whether to
# average at all, with early stopping deciding where the run ends, and when a long run must
# survive being killed.

# %%
final_loss = test_log_loss(saved_weights[0])
rows = {"final model (epoch 499)": (final_accuracy, final_loss)}
for s in el.SCHEMES:
    w = el.average_weights(saved_weights[:10], el.shares(10, s))
    rows[f"{s} average of the last 10"] = (test_accuracy(w), test_log_loss(w))
acc250, loss250 = rows["equal average of the last 250"] = many["equal", 250]
for m, scores in ema.items():
    rows[f"Keras EMA, momentum {m:.4f}"] = scores
# The model family that contains the Bayes rule (chapter 1): a linear softmax,
# fitted by scikit-learn to the same 100 points, without regularisation.
linear = LogisticRegression(penalty=None, max_iter=10_000, tol=1e-10)
linear.fit(problem.x_train, problem.y_train)
probabilities = linear.predict_proba(problem.x_test)[None]
(linear_test,), (linear_loss,) = el.replica_scores(probabilities, problem.y_test)
rows["logistic regression, same points"] = (linear_test, linear_loss)
bayes = el.BayesClassifier.for_problem(problem)
bayes_test = bayes.accuracy(problem.x_test, problem.y_test)
rows["Bayes-optimal rule (chapter 1)"] = (bayes_test, None)
el.glue("linear_test", float(linear_test))
el.glue("acc250", acc250)
el.glue("loss250", loss250)
el.glue("final_loss", final_loss)
el.glue("bayes_test", bayes_test)
el.table(
    {
        "model": list(rows),
        "test accuracy": [acc for acc, _ in rows.values()],
        "test log-loss": [loss for _, loss in rows.values()],
    },
    formats={"test accuracy": ".3f", "test log-loss": ".4f"},
)

# %% [markdown]
# ## Against the ceiling
#
# The table above gathers every model of this chapter beside the Bayes-optimal rule, which
# scores {glue:text}`bayes_test:.3f` on these test points. Averaging the last few checkpoints
# moves the test accuracy of this run by up to {glue:text}`shift_up` points of 1000 up and up to
# {glue:text}`shift_down` down; {glue:text}`n_below_at_10` of the three averages of the last 10
# score below the final model. Averaging a long stretch of the run does
# more for the log-loss than for the accuracy: the equal average of the last 250 epochs has a
# log-loss of {glue:text}`loss250:.4f` against {glue:text}`final_loss:.4f` for the final model,
# and an accuracy of {glue:text}`acc250:.3f`.
# Keras's EMA with the longest memory did best of all in this run, on both measures, and part of
# its recipe is the share of near-initial weights it keeps, which pulls the network towards
# less confident predictions; whether that is a reliable gain or this seed's luck is again a
# question for many seeds. The gap to the ceiling stays, and it is not what 100 training points
# allow: logistic regression, fitted to the same 100 points, scores
# {glue:text}`linear_test:.3f`, next to the Bayes rule. The linear model has the right shape for
# this problem ({numref}`chapter %s <ch-blobs>`), and the network, with its bends, does not
# need them here: what separates the network from the ceiling is the network, not the data.
# {numref}`Chapter %s <ch-many-seeds>` measures that gap on fresh data and over many seeds.
#
# ## Summary
#
# - Near the end of a constant-learning-rate run, SGD bounces around the bottom of a valley;
#   averaging the points it visits estimates the bottom better than any one of them.
# - {py:obj}`el.EpochCheckpoints <ensemble_lib.checkpoints.EpochCheckpoints>` saves chosen epochs during one `fit`, atomically, in Keras 3's
#   `.weights.h5` format, which includes the optimizer state: any checkpoint resumes training.
# - {py:obj}`el.average_weights <ensemble_lib.averaging.average_weights>` with {py:obj}`el.shares <ensemble_lib.averaging.shares>` gives the equal, linear and exponential
#   averages; {py:obj}`el.model_with_weights <ensemble_lib.averaging.model_with_weights>` turns them into a model.
# - On this problem, in this run, the averages of the last few epochs beat the final model by at
#   most {glue:text}`shift_up` test points of 1000, and {glue:text}`n_below_at_10` of the three
#   fall below it at 10 epochs; averages over hundreds of epochs improve the
#   log-loss more clearly than the accuracy.
# - Keras 3's optimizer EMA (`use_ema=True`) averages every step with no files and no choice
#   afterwards; it has no bias correction, so with a long memory it keeps part of the starting
#   weights. It is optimizer state, so every `.weights.h5` checkpoint carries it and a resumed run
#   continues its average.
#
# **Open questions.** Are these differences more than the luck of one run? {numref}`Chapter %s <ch-many-seeds>` answers
# with many seeds. And if averaging helps most when the averaged models differ, would a schedule
# that *makes* them differ do better? The next chapters restart the learning rate on purpose.
#
# ## Exercises
#
# ```{exercise} Average the weights, or the predictions?
# :label: ex-polyak-predictions
#
# Averaging weights gives one network. Averaging the *predicted probabilities* of the same 10
# checkpoints gives an ensemble of 10 networks, at 10 times the cost of a prediction. Compare the
# two on the test set, with {py:obj}`el.ensemble_predict <ensemble_lib.ensembles.ensemble_predict>` (soft voting) for the second. Are they
# different?
# ```
#
# ```{solution-start} ex-polyak-predictions
# :class: dropdown
# ```

# %%
last_ten = [
    el.model_with_weights(model, w) for w in saved_weights[:10]
]
votes = el.ensemble_predict(last_ten, problem.x_test)
vote_accuracy = float(np.mean(votes == problem.y_test))
weight_average = el.average_weights(
    saved_weights[:10], el.shares(10, "equal")
)
same_class = float(
    np.mean(
        votes
        == el.predict_classes(
            el.model_with_weights(model, weight_average),
            problem.x_test,
        )
    )
)
el.glue("same_class", same_class)
el.table(
    {
        "last 10 checkpoints": [
            "weights averaged",
            "predictions averaged",
        ],
        "test accuracy": [
            test_accuracy(weight_average),
            vote_accuracy,
        ],
    },
    formats={"test accuracy": ".3f"},
)

# %% [markdown]
# The two agree on {glue:text}`same_class:.1%` of the test points. Checkpoints a few epochs
# apart, in one valley, are so close that their average network and their average prediction
# hardly differ: the network is nearly linear in its weights over such small steps. Averaging
# weights is then the better deal, one network for the price of an ensemble.
# {numref}`Chapter %s <ch-snapshots>` collects members that differ much more, where the two
# part ways.
#
# ```{solution-end}
# ```
#
# ```{exercise} Members further apart
# :label: ex-polyak-spacing
#
# Average 10 checkpoints 25 epochs apart (epochs 499, 474, ..., 274) with equal shares, and
# compare its test accuracy and log-loss with the equal average of the last 10 consecutive
# epochs and with the equal average of all 250.
# ```
#
# ```{solution-start} ex-polyak-spacing
# :class: dropdown
# ```

# %%
spaced = el.average_weights(
    saved_weights[::25][:10], el.shares(10, "equal")
)
recent = el.average_weights(
    saved_weights[:10], el.shares(10, "equal")
)
choices = {
    "last 10 epochs": recent,
    "10 epochs, 25 apart": spaced,
    "all 250 epochs": el.average_weights(
        saved_weights, el.shares(250, "equal")
    ),
}
losses = [test_log_loss(w) for w in choices.values()]
el.glue(
    "spaced_share",
    (losses[0] - losses[1]) / (losses[0] - losses[2]),
)
el.table(
    {
        "equal average of": list(choices),
        "test accuracy": [
            test_accuracy(w) for w in choices.values()
        ],
        "test log-loss": losses,
    },
    formats={"test accuracy": ".3f", "test log-loss": ".4f"},
)

# %% [markdown]
# Spreading the 10 members over 225 epochs takes the log-loss {glue:text}`spaced_share:.0%` of
# the way from the average of the last 10 epochs to the average of all 250, and the accuracy
# moves the same way: the stretch of the trajectory an average spans matters more than how many
# points it takes from it. Saving every 25th epoch costs a twenty-fifth of the disk.
#
# ```{solution-end}
# ```
#
# ```{exercise} How long until the EMA forgets its start?
# :label: ex-polyak-ema-start
#
# Keras's weight EMA keeps a share $m^{T-1}$ of the weights after the first step, $T$ steps
# later. For the three momenta above, how many steps (and epochs of 4 steps) does it take for
# that share to fall below 1%?
# ```
#
# ```{solution-start} ex-polyak-ema-start
# :class: dropdown
# ```

# %%
steps = {
    m: int(np.ceil(1 + np.log(0.01) / np.log(m))) for m in ema
}
el.table(
    {
        "EMA momentum": list(steps),
        "steps": list(steps.values()),
        "epochs": [int(np.ceil(t / 4)) for t in steps.values()],
    },
    formats={"EMA momentum": ".4f"},
)

# %% [markdown]
# With $m = 0.999$ the starting weights keep more than 1% of the average for over a thousand
# epochs' worth of steps, longer than the 2000 steps of this run: a 500-epoch run never
# forgets where it started. Train longer, use a smaller momentum, or average checkpoint files,
# which start the average wherever you choose.
#
# ```{solution-end}
# ```
