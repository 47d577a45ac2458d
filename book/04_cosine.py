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
# (ch-cosine)=
# # Cosine annealing with warm restarts
#
# {ref}`ch-polyak` averaged the models that one constant-rate run passes through. This chapter
# changes the run itself: the learning rate falls and jumps back up, again and again, so that
# training settles into a minimum, leaves it, and settles again. It is the schedule the next
# chapter's snapshot ensembles are built on.
#
# In this chapter you will
#
# - learn the cosine annealing schedule of {cite:t}`loshchilov2017`, what a warm restart is
#   and why it helps, and plot it;
# - set it from a Keras 3 callback at the start of every epoch, train the baseline with it for
#   400 epochs in 8 cycles, and prove from the logged rates that the schedule ran;
# - update the rate before every mini-batch instead, as the paper does, and compare with
#   Keras 3's built-in `CosineDecayRestarts`, to see when no custom code is needed at all;
# - plot the triangular cyclical schedule of {cite:t}`smith2017` beside it.

# %% tags=["hide-input"]
import ensemble_lib as el  # first: it fixes TensorFlow's numeric path

import keras
import matplotlib.pyplot as plt
import numpy as np
from myst_nb import glue

SEED = el.reproducible(0)
el.use_book_style()

# %% [markdown]
# ## The schedule
#
# Split the run of $E$ epochs into $C$ cycles of $\lfloor E / C \rfloor$ epochs each. Within a
# cycle, the rate follows half a cosine from its maximum down to almost zero:
#
# $$
# \eta(e) = \frac{\eta_{\max}}{2}\left(\cos\left(\pi\,
#     \frac{e \bmod \lfloor E/C \rfloor}{\lfloor E/C \rfloor}\right) + 1\right).
# $$
#
# At the first epoch of the next cycle, $e \bmod \lfloor E/C \rfloor = 0$ again and the rate
# jumps straight back to $\eta_{\max}$: a **warm restart**, warm because the weights are kept and
# only the rate is reset. The long stretch of small rates at the end of a cycle lets SGD settle
# into the bottom of a minimum; the sudden large rate kicks it out again, towards another region
# of the loss surface, which may hold a better (or a flatter) minimum. `el.cosine_annealing` is
# the formula as a function; {numref}`fig-cosine-demo` draws it for 100 epochs in 5 cycles with
# $\eta_{\max} = 0.01$.

# %% mystnb={"figure": {"caption": "Cosine annealing with warm restarts: 100 epochs, 5 cycles of 20 epochs, maximum rate 0.01. The rate falls along a half cosine and jumps back at the start of every cycle.", "name": "fig-cosine-demo"}}
demo_epochs = np.arange(100)
demo_rates = [el.cosine_annealing(int(e), 100, 5, 0.01) for e in demo_epochs]
fig, ax = plt.subplots(figsize=(6.4, 3.0))
ax.plot(demo_epochs, demo_rates, drawstyle="steps-post", color="#0072B2")
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
plt.show()

# %%
for epoch in (0, 1, 10, 19, 20):
    rate = el.cosine_annealing(epoch, 100, 5, 0.01)
    print(f"epoch {epoch:3d}: learning rate {rate:.6f}")

# %% [markdown]
# ## As a Keras 3 callback
#
# `el.CosineAnnealing` is a small callback: at the start of each epoch it computes the rate and
# sets it on the optimizer with Keras 3's API, `self.model.optimizer.learning_rate = rate` (the
# `optimizer.lr` attribute and `keras.backend.set_value` the original used are gone in Keras 3).
# It appends every rate it sets to its `rates` list and writes the epoch's rate into the logs as
# `learning_rate`, so it appears in `History`. For the per-epoch schedule alone, Keras's own
# `keras.callbacks.LearningRateScheduler` with `el.cosine_annealing` inside would do the same; we
# keep one callback for both the per-epoch and the per-batch schedule below.
#
# The run of the original: the baseline network, SGD with momentum 0.9, 400 epochs in 8 cycles of
# 50 epochs, $\eta_{\max} = 0.01$ (the baseline's constant rate becomes the schedule's peak).

# %%
problem = el.load_blobs()
y_train = el.one_hot(problem.y_train)
bayes = el.BayesClassifier.for_problem(problem)
bayes_test = bayes.accuracy(problem.x_test, problem.y_test)


# The original's cosine run: chapter 02's recipe for 400 epochs instead of 500.
RUN = el.RECIPE.replace(epochs=400)


def compiled_baseline(**options):
    # The compile call of chapter 02 (SGD, momentum 0.9); the callback sets the rate.
    return el.compile_sgd(el.build_mlp(seed=SEED), RUN, **options)


model = compiled_baseline()
schedule = el.CosineAnnealing(n_epochs=400, n_cycles=8, lr_max=0.01)
curves = el.AccuracyCurves(
    train=(problem.x_train, y_train), test=(problem.x_test, problem.y_test)
)
history = el.train(
    model, problem.x_train, y_train, seed=SEED, recipe=RUN,
    callbacks=[schedule, curves, el.TrainingProgress("per-epoch cosine")],
)
epoch_train = el.accuracy(model, problem.x_train, problem.y_train)
epoch_test = el.accuracy(model, problem.x_test, problem.y_test)
print(f"rates set: {len(schedule.rates)}, one per epoch")
print(f"{'':30s}{'train':>7s}{'test':>7s}")
print(f"{'this book, per-epoch cosine':30s}{epoch_train:7.3f}{epoch_test:7.3f}")
print(f"{'original tutorial':30s}{0.850:7.3f}{0.806:7.3f}")
print(f"{'Bayes-optimal rule':30s}{'':7s}{bayes_test:7.3f}")
glue("epoch_test", epoch_test, display=False)

# %% [markdown]
# {numref}`fig-cosine-run` plots the rates the callback logged, read back from `History`, above
# the learning curves: the schedule ran, eight cycles of 50 epochs.

# %% mystnb={"figure": {"caption": "Top: the learning rate the callback set at each epoch, as logged in History. Bottom: train and test accuracy after every epoch of the same run, with the Bayes-optimal rule's accuracy on the test points (dashed).", "name": "fig-cosine-run"}}
fig, (ax_rate, ax_acc) = plt.subplots(
    2, 1, figsize=(6.4, 5.4), sharex=True, gridspec_kw={"height_ratios": [1, 2]}
)
ax_rate.plot(
    np.arange(1, 401), history.history["learning_rate"],
    drawstyle="steps-post", color="#0072B2",
)
ax_rate.set_ylabel("learning rate")
el.plot_learning_curves(
    history, ax=ax_acc, references={"Bayes rule, test points": bayes_test}
)
plt.show()

# %% [markdown]
# How much does the test accuracy move from one epoch to the next, just after a restart and at
# the end of a cycle?

# %%
test_curve = np.array(history.history["test_accuracy"])
starts = range(50, 400, 50)  # the first epoch of cycles 2 to 8
after = np.mean([np.abs(np.diff(test_curve[s:s + 10])).mean() for s in starts])
settled = np.mean([np.abs(np.diff(test_curve[s - 10:s])).mean() for s in starts])
print(f"mean change per epoch, first 10 epochs after a restart: {after:.4f}")
print(f"mean change per epoch, last 10 epochs of a cycle:      {settled:.4f}")
glue("restart_ratio", float(after / settled), display=False)

# %% [markdown]
# Right after a restart the test accuracy jumps around about {glue:text}`restart_ratio:.0f`
# times as much per epoch as at the end of a cycle: the large rate throws the weights out of the
# minimum they had settled in, and the falling rate lets them settle again. At the end of the
# run the network
# scores {glue:text}`epoch_test:.3f` on the test points, against 0.806 in the original: close to
# the constant-rate baseline of {ref}`ch-baseline`, as the original found. With 100 training points and a small network the problem is not hard
# enough for a better schedule to find a much better minimum; what the restarts do give us is a
# sequence of settled, different models, which the next chapter collects.
#
# ## Updating the rate every mini-batch
#
# The SGDR paper anneals the rate smoothly, before every mini-batch, not in steps of one epoch;
# the original tutorial left that as an exercise. The same formula does it with steps in place
# of epochs: step $s$ of $E \times B$ (with $B = 4$ batches per epoch here) gets
# `cosine_annealing(s, E * B, C, lr_max)`. `el.CosineAnnealing(..., per="batch")` sets it from
# `on_train_batch_begin`. Keras calls that hook once per compiled execution, so this run needs
# `steps_per_execution=1`; the callback refuses to run otherwise rather than update every 4
# batches silently. {numref}`fig-cosine-batch` shows the two schedules the callbacks set.

# %%
model_batch = compiled_baseline(steps_per_execution=1)
schedule_batch = el.CosineAnnealing(
    n_epochs=400, n_cycles=8, lr_max=0.01, per="batch"
)
el.train(
    model_batch, problem.x_train, y_train, seed=SEED, recipe=RUN,
    callbacks=[schedule_batch, el.TrainingProgress("per-batch cosine")],
)
batch_test = el.accuracy(model_batch, problem.x_test, problem.y_test)
batch_train = el.accuracy(model_batch, problem.x_train, problem.y_train)
print(f"rates set: {len(schedule_batch.rates)}, one per mini-batch")
print(f"per-batch cosine: train {batch_train:.3f}, test {batch_test:.3f}")

# %% mystnb={"figure": {"caption": "The first two cycles of the per-epoch schedule (a staircase, one value per epoch) and the per-batch schedule (a smooth curve, one value per mini-batch), both as set by the callback.", "name": "fig-cosine-batch"}}
epoch_steps = np.array([step for _, step, _ in schedule.rates]) / 4
epoch_values = [rate for _, _, rate in schedule.rates]
batch_steps = np.array([step for _, step, _ in schedule_batch.rates]) / 4
batch_values = [rate for _, _, rate in schedule_batch.rates]
fig, ax = plt.subplots(figsize=(6.4, 3.0))
ax.plot(epoch_steps, epoch_values, drawstyle="steps-post", label="per epoch")
ax.plot(batch_steps, batch_values, lw=1.0, label="per mini-batch")
ax.set_xlim(0, 100)
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
ax.legend(loc="upper right")
plt.show()

# %% [markdown]
# ## Keras 3's own `CosineDecayRestarts`
#
# Keras ships this schedule: `keras.optimizers.schedules.CosineDecayRestarts` is a
# `LearningRateSchedule`, a function of the optimizer's step count that the optimizer evaluates
# itself before every update. Its first cycle lasts `first_decay_steps`; `t_mul` multiplies the
# length of each following cycle and `m_mul` its peak; `alpha` is a floor, as a fraction of the
# peak. With `t_mul=1.0`, `m_mul=1.0` and `alpha=0.0` it is exactly the per-batch SGDR schedule.
# Its default `t_mul=2.0` doubles every cycle, a different schedule.

# %%
steps = 400 * 4
builtin = keras.optimizers.schedules.CosineDecayRestarts(
    initial_learning_rate=0.01,
    first_decay_steps=steps // 8,
    t_mul=1.0,
    m_mul=1.0,
    alpha=0.0,
)
ours = np.array([el.cosine_annealing(s, steps, 8, 0.01) for s in range(steps)])
theirs = keras.ops.convert_to_numpy(builtin(np.arange(steps)))  # all at once
print(f"largest difference, {steps} steps: {np.abs(ours - theirs).max():.1e}")
print(f"ours == the callback's rates: {np.array_equal(ours, batch_values)}")

# No callback: the optimizer evaluates the schedule itself at every step.
model_builtin = compiled_baseline(learning_rate=builtin)
el.train(
    model_builtin, problem.x_train, y_train, seed=SEED, recipe=RUN,
    callbacks=[el.TrainingProgress("CosineDecayRestarts")],
)
builtin_test = el.accuracy(model_builtin, problem.x_test, problem.y_test)
builtin_train = el.accuracy(model_builtin, problem.x_train, problem.y_train)
same = all(
    np.array_equal(a, b)
    for a, b in zip(model_batch.get_weights(), model_builtin.get_weights())
)
print(f"built-in schedule: train {builtin_train:.3f}, test {builtin_test:.3f}")
print(f"final weights identical to the per-batch callback's: {same}")

# %% [markdown]
# The two schedules agree to float32 precision: Keras computes its rate in single precision
# inside the training graph, our function in double precision in Python. So with
# `t_mul=1.0` and `m_mul=1.0`, per-batch cosine annealing needs **no custom code**: pass the
# schedule object as the optimizer's learning rate. That also makes it free (no Python call per
# batch, so any `steps_per_execution` works) and exact on resume (it depends only on the
# optimizer's step count, which the checkpoints of {ref}`ch-polyak` store). Whether the last-bit
# differences between the two rates change the final weights is printed above; the accuracy
# tells whether it mattered.
#
# Where the built-in does not fit, and a callback earns its place:
#
# - **per-epoch** updates (the original's staircase): a `LearningRateSchedule` sees steps, not
#   epochs;
# - a cycle length given as $\lfloor E / C \rfloor$ epochs when you want the schedule tied to
#   epochs rather than to steps, or anything that reacts to what happens during training;
# - **its defaults**: `t_mul=2.0` makes each cycle twice as long as the one before, as
#   {numref}`fig-cosine-keras` shows.

# %% mystnb={"figure": {"caption": "Keras's CosineDecayRestarts over the same 400 epochs: with t_mul=1.0 it retraces our per-batch schedule (8 equal cycles); with its default t_mul=2.0 each cycle is twice as long as the one before.", "name": "fig-cosine-keras"}}
default = keras.optimizers.schedules.CosineDecayRestarts(
    initial_learning_rate=0.01, first_decay_steps=steps // 8
)
fig, ax = plt.subplots(figsize=(6.4, 3.0))
x = np.arange(steps) / 4
ax.plot(x, theirs, color="#0072B2", label="t_mul=1.0 (= ours, per batch)")
ax.plot(
    x, keras.ops.convert_to_numpy(default(np.arange(steps))),
    color="#D55E00", lw=1.0, label="t_mul=2.0 (Keras default)",
)
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
plt.show()

# %% [markdown]
# ## A triangular cyclical schedule
#
# The original also pointed to {cite:t}`smith2017`, *Cyclical Learning Rates for Training
# Neural Networks*, whose triangular schedule climbs linearly from a lower bound to $\eta_{\max}$ and
# back, cycle after cycle. Where cosine annealing restarts abruptly and spends long stretches at
# very small rates, the triangle spends as much time climbing as falling and never drops below
# its floor. {numref}`fig-cosine-triangular` draws it beside the cosine schedule, with the same
# cycle length and peak.

# %% mystnb={"figure": {"caption": "Cosine annealing with warm restarts and Smith's triangular cyclical schedule, both with cycles of 20 epochs and a peak of 0.01 (the triangle's floor is 0.001).", "name": "fig-cosine-triangular"}}
triangle = [
    el.triangular(int(e), step_size=10, lr_min=0.001, lr_max=0.01)
    for e in demo_epochs
]
fig, ax = plt.subplots(figsize=(6.4, 3.0))
ax.plot(
    demo_epochs, demo_rates, drawstyle="steps-post", color="#0072B2",
    label="cosine, warm restarts",
)
ax.plot(demo_epochs, triangle, color="#009E73", label="triangular")
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
plt.show()

# %% [markdown]
# ## Summary
#
# - Cosine annealing with warm restarts: within each of $C$ cycles the rate falls along half a
#   cosine from $\eta_{\max}$ to nearly zero, then jumps back. Small rates let SGD settle; the
#   restart kicks it towards another minimum.
# - In Keras 3, a callback sets the rate with `optimizer.learning_rate = rate`, per epoch or per
#   mini-batch, and logs it; `History` proves the schedule ran.
# - Per mini-batch, Keras's `CosineDecayRestarts(t_mul=1.0, m_mul=1.0, alpha=0.0)` is the same
#   schedule with no custom code; its default `t_mul=2.0` is not.
# - On this small problem the schedule changes the final accuracy little, as the original found:
#   {glue:text}`epoch_test:.3f` on the test points after 400 epochs.
#
# **Open questions.** Each cycle ends with a model that has settled into its own minimum. Are
# those models different enough that combining them helps? The next chapter builds the snapshot
# ensemble.
