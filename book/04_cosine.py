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
# {numref}`Chapter %s <ch-polyak>` averaged the models that one constant-rate run passes through. This chapter
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
# of the loss surface, which may hold a better (or a flatter) minimum.
# {py:func}`el.cosine_annealing <ensemble_lib.schedules.cosine_annealing>` is the formula as a
# function; after checking its arguments it computes
#
# ```{literalinclude} ../ensemble_lib/schedules.py
# :pyobject: cosine_annealing
# :start-after: lr_max = check_positive(lr_max, "lr_max")
# :dedent:
# ```
#
# {numref}`fig-cosine-demo` draws it for 100 epochs in 5 cycles with $\eta_{\max} = 0.01$.

# %% mystnb={"figure": {"caption": "Cosine annealing with warm restarts: 100 epochs, 5 cycles of 20 epochs, maximum rate 0.01. The rate falls along a half cosine and jumps back at the start of every cycle.", "name": "fig-cosine-demo"}}
demo_epochs = np.arange(100)
demo_rates = [el.cosine_annealing(int(e), 100, 5, 0.01) for e in demo_epochs]
fig, ax = plt.subplots(figsize=(6.4, 3.0))
ax.plot(demo_epochs, demo_rates, drawstyle="steps-post", color="#0072B2")
ax.set_xlabel("epoch")
ax.set_ylabel("learning rate")
plt.show()

# %%
some = [0, 1, 10, 19, 20]
el.table(
    {
        "epoch": some,
        "learning rate": [el.cosine_annealing(e, 100, 5, 0.01) for e in some],
    },
    formats={"learning rate": ".6f"},
)

# %% [markdown]
# ## As a Keras 3 callback
#
# {py:class}`el.CosineAnnealing <ensemble_lib.schedules.CosineAnnealing>` is a small callback:
# at the start of each epoch it computes the rate and sets it on the optimizer with Keras 3's
# API, `self.model.optimizer.learning_rate = rate` (the `optimizer.lr` attribute and
# `keras.backend.set_value` the original used are gone in Keras 3):
#
# ```{literalinclude} ../ensemble_lib/schedules.py
# :pyobject: CosineAnnealing.on_epoch_begin
# :dedent:
# ```
#
# ```{literalinclude} ../ensemble_lib/schedules.py
# :pyobject: CosineAnnealing._set
# :dedent:
# ```
#
# It appends every rate it sets to its `rates` list and writes the epoch's rate into the logs as
# `learning_rate`, so it appears in `History`. For the per-epoch schedule alone, Keras's own
# `keras.callbacks.LearningRateScheduler` with {py:obj}`el.cosine_annealing <ensemble_lib.schedules.cosine_annealing>` inside would do the same; we
# keep one callback for both the per-epoch and the per-batch schedule below.
#
# The run of the original: the baseline network, SGD with momentum 0.9, 400 epochs in 8 cycles of
# 50 epochs, $\eta_{\max} = 0.01$ (the baseline's constant rate becomes the schedule's peak).

# %%
problem = el.load_blobs()
y_train = el.one_hot(problem.y_train)
bayes = el.BayesClassifier.for_problem(problem)
bayes_test = bayes.accuracy(problem.x_test, problem.y_test)


# The original's cosine run: chapter 2's recipe for 400 epochs instead of 500.
RUN = el.RECIPE.replace(epochs=400)


def compiled_baseline(**options):
    # Chapter 2's compile call (SGD, momentum 0.9); the callback sets the rate.
    return el.compile_sgd(el.build_mlp(seed=SEED), RUN, **options)


model = compiled_baseline()
schedule = el.CosineAnnealing(n_epochs=400, n_cycles=8, lr_max=0.01)
curves = el.AccuracyCurves(
    train=(problem.x_train, y_train), test=(problem.x_test, problem.y_test)
)
history = el.train(
    model,
    problem.x_train,
    y_train,
    seed=SEED,
    recipe=RUN,
    callbacks=[schedule, curves, el.TrainingProgress("per-epoch cosine")],
)
epoch_train = el.accuracy(model, problem.x_train, problem.y_train)
epoch_test = el.accuracy(model, problem.x_test, problem.y_test)
el.glue("epoch_test", epoch_test)
print(f"rates set: {len(schedule.rates)}, one per epoch")
el.table(
    {
        "model": [
            "this book, per-epoch cosine",
            "original tutorial",
            "Bayes-optimal rule",
        ],
        "train accuracy": [epoch_train, 0.850, None],
        "test accuracy": [epoch_test, 0.806, bayes_test],
    },
    formats={"train accuracy": ".3f", "test accuracy": ".3f"},
)

# %% [markdown]
# {numref}`fig-cosine-run` plots the rates the callback logged, read back from `History`, above
# the learning curves: the schedule ran, eight cycles of 50 epochs.

# %% mystnb={"figure": {"caption": "Top: the learning rate the callback set at each epoch, as logged in History. Bottom: train and test accuracy after every epoch of the same run, with the Bayes-optimal rule's accuracy on the test points (dashed).", "name": "fig-cosine-run"}}
fig, (ax_rate, ax_acc) = plt.subplots(
    2, 1, figsize=(6.4, 5.4), sharex=True, gridspec_kw={"height_ratios": [1, 2]}
)
ax_rate.plot(
    np.arange(1, 401),
    history.history["learning_rate"],
    drawstyle="steps-post",
    color="#0072B2",
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
after = np.mean([np.abs(np.diff(test_curve[s : s + 10])).mean() for s in starts])
settled = np.mean(
    [np.abs(np.diff(test_curve[s - 10 : s])).mean() for s in starts]
)
el.glue("restart_ratio", float(after / settled))
el.table(
    {
        "epochs": ["the first 10 after a restart", "the last 10 of a cycle"],
        "mean change of test accuracy per epoch": [after, settled],
    },
    formats={"mean change of test accuracy per epoch": ".4f"},
)

# %% [markdown]
# Right after a restart the test accuracy jumps around about {glue:text}`restart_ratio:.0f`
# times as much per epoch as at the end of a cycle: the large rate throws the weights out of the
# minimum they had settled in, and the falling rate lets them settle again. At the end of the
# run the network
# scores {glue:text}`epoch_test:.3f` on the test points, against 0.806 in the original: close to
# the constant-rate baseline of {numref}`chapter %s <ch-baseline>`, as the original found. With 100 training points and a small network the problem is not hard
# enough for a better schedule to find a much better minimum; what the restarts do give us is a
# sequence of settled, different models, which the next chapter collects.
#
# ## Updating the rate every mini-batch
#
# The SGDR paper anneals the rate smoothly, before every mini-batch, not in steps of one epoch;
# the original tutorial left that as an exercise. The same formula does it with steps in place
# of epochs: step $s$ of $E \times B$ (with $B = 4$ batches per epoch here) gets
# `cosine_annealing(s, E * B, C, lr_max)`. {py:obj}`el.CosineAnnealing(..., per="batch") <ensemble_lib.schedules.CosineAnnealing>` sets it from
# `on_train_batch_begin`. Keras calls that hook once per compiled execution, so this run needs
# `steps_per_execution=1`; the callback refuses to run otherwise rather than update every 4
# batches silently. {numref}`fig-cosine-batch` shows the two schedules the callbacks set.

# %%
model_batch = compiled_baseline(steps_per_execution=1)
schedule_batch = el.CosineAnnealing(
    n_epochs=400, n_cycles=8, lr_max=0.01, per="batch"
)
el.train(
    model_batch,
    problem.x_train,
    y_train,
    seed=SEED,
    recipe=RUN,
    callbacks=[schedule_batch, el.TrainingProgress("per-batch cosine")],
)
batch_test = el.accuracy(model_batch, problem.x_test, problem.y_test)
batch_train = el.accuracy(model_batch, problem.x_train, problem.y_train)
print(f"rates set: {len(schedule_batch.rates)}, one per mini-batch")

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
    model_builtin,
    problem.x_train,
    y_train,
    seed=SEED,
    recipe=RUN,
    callbacks=[el.TrainingProgress("CosineDecayRestarts")],
)
builtin_test = el.accuracy(model_builtin, problem.x_test, problem.y_test)
builtin_train = el.accuracy(model_builtin, problem.x_train, problem.y_train)
same = all(
    np.array_equal(a, b)
    for a, b in zip(model_batch.get_weights(), model_builtin.get_weights())
)
print(f"final weights identical to the per-batch callback's: {same}")
el.table(
    {
        "schedule": [
            "per epoch, callback",
            "per mini-batch, callback",
            "per mini-batch, CosineDecayRestarts",
        ],
        "train accuracy": [epoch_train, batch_train, builtin_train],
        "test accuracy": [epoch_test, batch_test, builtin_test],
    },
    formats={"train accuracy": ".3f", "test accuracy": ".3f"},
)

# %% [markdown]
# The two schedules agree to float32 precision: Keras computes its rate in single precision
# inside the training graph, our function in double precision in Python. So with
# `t_mul=1.0` and `m_mul=1.0`, per-batch cosine annealing needs **no custom code**: pass the
# schedule object as the optimizer's learning rate. That also makes it free (no Python call per
# batch, so any `steps_per_execution` works) and exact on resume (it depends only on the
# optimizer's step count, which the checkpoints of {numref}`chapter %s <ch-polyak>` store).
# Whether the last-bit differences between the two rates change the final weights is printed
# above; the table tells whether it mattered.
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
    x,
    keras.ops.convert_to_numpy(default(np.arange(steps))),
    color="#D55E00",
    lw=1.0,
    label="t_mul=2.0 (Keras default)",
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
    demo_epochs,
    demo_rates,
    drawstyle="steps-post",
    color="#0072B2",
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
#
# ## Exercises
#
# ```{exercise} How many cycles?
# :label: ex-cosine-cycles
#
# Train the per-epoch schedule for 400 epochs with 2, 8 and 32 cycles (seed 0, the same
# `compiled_baseline` and `RUN`). How do the final training and test accuracies compare, and how
# much can one seed say about the choice?
# ```
#
# ```{solution-start} ex-cosine-cycles
# :class: dropdown
# ```

# %%
cycle_counts, train_by_cycles, test_by_cycles = (
    [2, 8, 32],
    [],
    [],
)
for cycles in cycle_counts:
    net = compiled_baseline()
    el.train(
        net,
        problem.x_train,
        y_train,
        seed=SEED,
        recipe=RUN,
        callbacks=[
            el.CosineAnnealing(
                n_epochs=400, n_cycles=cycles, lr_max=0.01
            ),
            el.TrainingProgress(f"{cycles} cycles"),
        ],
    )
    train_by_cycles.append(
        el.accuracy(net, problem.x_train, problem.y_train)
    )
    test_by_cycles.append(
        el.accuracy(net, problem.x_test, problem.y_test)
    )
el.glue(
    "cycles_range", max(test_by_cycles) - min(test_by_cycles)
)
el.table(
    {
        "cycles": cycle_counts,
        "epochs per cycle": [400 // c for c in cycle_counts],
        "train accuracy": train_by_cycles,
        "test accuracy": test_by_cycles,
    },
    formats={"train accuracy": ".3f", "test accuracy": ".3f"},
)

# %% [markdown]
# The test accuracies differ by {glue:text}`cycles_range:.3f` between the three cycle counts.
# {numref}`Chapter %s <ch-baseline>` measured a spread of several points between seeds of one
# recipe, so a single seed cannot rank these schedules; {numref}`chapter %s <ch-many-seeds>`
# compares cycle lengths over many seeds.
#
# ```{solution-end}
# ```
#
# ```{exercise} The triangle with Keras's own callback
# :label: ex-cosine-triangle
#
# `keras.callbacks.LearningRateScheduler` calls a function of the epoch at the start of every
# epoch and sets the rate it returns. Use it with {py:obj}`el.triangular <ensemble_lib.schedules.triangular>` (cycles of 50 epochs, so
# `step_size=25`, between 0.001 and 0.01) to train the baseline for 400 epochs, check from
# `History` that the rate followed the triangle, and score the result.
# ```
#
# ```{solution-start} ex-cosine-triangle
# :class: dropdown
# ```


# %%
def triangle_rate(epoch, rate):
    return el.triangular(
        epoch, step_size=25, lr_min=0.001, lr_max=0.01
    )


net = compiled_baseline()
triangle_history = el.train(
    net,
    problem.x_train,
    y_train,
    seed=SEED,
    recipe=RUN,
    callbacks=[
        keras.callbacks.LearningRateScheduler(triangle_rate),
        el.TrainingProgress("triangular"),
    ],
)
logged = triangle_history.history["learning_rate"]
expected = [triangle_rate(e, None) for e in range(400)]
print(
    "logged rates follow the triangle:",
    np.allclose(logged, expected, rtol=1e-6),
)
el.table(
    {
        "schedule": [
            "triangular, 8 cycles",
            "cosine, 8 cycles",
        ],
        "test accuracy": [
            el.accuracy(net, problem.x_test, problem.y_test),
            epoch_test,
        ],
    },
    formats={"test accuracy": ".3f"},
)

# %% [markdown]
# No custom callback is needed for a per-epoch schedule: `LearningRateScheduler` sets the rate
# and logs it (as float32, hence the comparison to a relative tolerance). The book's
# {py:obj}`el.CosineAnnealing <ensemble_lib.schedules.CosineAnnealing>` exists for what `LearningRateScheduler` cannot do: per-batch updates,
# and recording every rate with its step.
#
# ```{solution-end}
# ```
#
# ```{exercise} Where does Keras's default restart?
# :label: ex-cosine-default
#
# With its default `t_mul=2.0` and `first_decay_steps` of 50 epochs (200 steps),
# `CosineDecayRestarts` makes each cycle twice as long as the one before. At which epochs do its
# restarts fall within the 400 epochs? Find them from the rates, not by hand.
# ```
#
# ```{solution-start} ex-cosine-default
# :class: dropdown
# ```

# %%
default_rates = keras.ops.convert_to_numpy(
    default(np.arange(steps))
)
restart_steps = np.flatnonzero(np.diff(default_rates) > 0) + 1
print(
    "restarts at steps",
    restart_steps.tolist(),
    "= epochs",
    (restart_steps / 4).tolist(),
)

# %% [markdown]
# Restarts at epochs 50, 150 and 350: cycles of 50, 100 and 200 epochs, then a fourth cycle of
# 400 epochs cut off after its first 50. A snapshot ensemble built on this schedule would get
# only three settled models, and the run's last model would be taken near the top of a cycle,
# at a large rate.
#
# ```{solution-end}
# ```
