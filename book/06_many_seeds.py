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
# (ch-many-seeds)=
# # Does it really help? Every method over many seeds
#
# Each of the original tutorials trained once, reported one number per method and added that
# results may vary. Chapter {numref}`chapter %s <ch-baseline>` showed how much they vary: five seeds of the same
# recipe spread over more than four points of test accuracy, more than any method of chapters
# {numref}`Chapter %s <ch-polyak>` to {numref}`chapter %s <ch-snapshots>` changed it. One run per method cannot tell a real effect
# from a lucky seed. This chapter runs every method on many seeds and lets the statistics speak.
#
# In this chapter you will
#
# - train hundreds of complete 500-epoch runs in well under a minute, with an engine that runs
#   many replicas of {numref}`chapter %s <ch-baseline>`'s Keras training side by side, and check that it is the same
#   training;
# - compare every method of the book with the final model *of the same seed*, with confidence
#   intervals and paired tests, on accuracy and on log-loss;
# - keep twenty tests honest together with Holm's adjustment, check them with a robust test, and
#   measure how much the pairing really removes;
# - measure whether a method makes training more stable from seed to seed;
# - hold every method against the model family that contains the Bayes rule, a linear model
#   fitted to the same 100 points ({numref}`chapter %s <ch-baselines>` brings stronger opponents still);
# - measure how much of the gap to the Bayes ceiling each method closes, and where the
#   originals' single numbers fall in these distributions;
# - answer the open questions of {numref}`chapters %s <ch-polyak>` to {numref}`%s <ch-snapshots>` (how many models to average, which decay,
#   cycle length, maximum rate, per-batch schedules) with the same statistics;
# - end with a verdict in plain words: what helps on this problem, by how much, how sure we are.

# %% tags=["hide-input"]
import ensemble_lib as el  # first: it fixes TensorFlow's numeric path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression

SEED = el.reproducible(0)
el.use_book_style()

problem = el.load_blobs()
bayes = el.BayesClassifier.for_problem(problem)
BAYES = bayes.accuracy(problem.x_test, problem.y_test)
x_train, y_train = problem.x_train, el.one_hot(problem.y_train)
x_test, y_test = problem.x_test, problem.y_test

# %% [markdown]
# ## An engine for many runs
#
# One 500-epoch `fit` of {numref}`chapter %s <ch-baseline>`'s model takes a few seconds here, almost all of it per-step
# bookkeeping that has nothing to do with a network of 153 weights. Thirty seeds of a dozen
# configurations that way would take half an hour. {py:obj}`el.train_replicas <ensemble_lib.replicas.train_replicas>` instead trains one
# *replica* per seed, all at once: the replicas' weights are stacked along a new first axis, every
# step updates all of them with batched matrix products, and the whole run, all 500 epochs, is one
# compiled TensorFlow call. Each replica is {numref}`chapter %s <ch-baseline>`'s recipe, read from the same {py:obj}`el.RECIPE <ensemble_lib.recipe.RECIPE>`:
# the initial weights of {py:obj}`el.build_mlp(seed) <ensemble_lib.models.build_mlp>`, the batches of {py:obj}`el.training_dataset(..., seed=seed) <ensemble_lib.training.training_dataset>`
# (the same per-epoch shuffles), the cross-entropy, and Keras 3's SGD update with momentum. A
# Keras model can hold many replicas too, but it runs this study markedly slower (`make bench`
# times both), which is why this part is written by hand (the docstring of
# `ensemble_lib/replicas.py` explains each choice).
#
# Same method, or just similar? The first check trains seed 0 both ways and compares the weights
# after 500 epochs, and then compares the engine's first five seeds with the five runs of chapter
# 2 (test accuracy 0.809, 0.788, 0.784, 0.827 and 0.803).

# %%
net = el.compile_sgd(el.build_mlp(seed=0))
el.train(net, x_train, y_train, seed=0)

five = el.train_replicas(x_train, y_train, seeds=range(5))
largest = max(
    float(np.max(np.abs(k - e)))
    for k, e in zip(net.get_weights(), five.replica(0))
)
print(
    f"seed 0, largest weight difference after {el.RECIPE.epochs} epochs: "
    f"{largest:.0e}"
)
accuracy_five, _ = el.replica_scores(five.probabilities(x_test), y_test)
CHAPTER_02 = np.array(
    [0.809, 0.788, 0.784, 0.827, 0.803]
)  # chapter 2's five Keras runs
apart = np.abs(np.round(accuracy_five, 3) - CHAPTER_02)
el.glue("n_same_digits", int(np.sum(apart < 5e-4)))
el.glue("most_apart", float(apart.max()))
el.glue("most_apart_seed", int(apart.argmax()))
el.table(
    {
        "seed": list(range(5)),
        "Keras fit, test accuracy": [
            el.accuracy(net, x_test, y_test),
            None,
            None,
            None,
            None,
        ],
        "engine, test accuracy": accuracy_five,
        "chapter 2, test accuracy": CHAPTER_02,
    },
    formats={
        "Keras fit, test accuracy": ".3f",
        "engine, test accuracy": ".3f",
        "chapter 2, test accuracy": ".3f",
    },
)

# %% [markdown]
# The weights agree to within a few float32 rounding steps, and {glue:text}`n_same_digits` of the
# five accuracies are {numref}`chapter %s <ch-baseline>`'s, digit for digit; seed {glue:text}`most_apart_seed` differs by
# {glue:text}`most_apart:.3f`. The runs are not
# identical to the last bit: a batched matrix product may round differently from a single one, and
# over 2000 steps such a difference can grow until borderline test points change side. The engine
# is the same training, not a bitwise copy of one run.
#
# ## The study
#
# Fifty seeds. For every seed, two runs of 500 epochs, SGD with momentum 0.9, on {numref}`chapter %s <ch-baseline>`'s
# network (25 hidden units) so that every method shares one baseline:
#
# - the **constant-rate run** (learning rate 0.01), keeping the weights after each of the last
#   250 epochs and three Keras-style weight EMAs: its final model is the baseline, and the kept
#   weights give Polyak-Ruppert averages ({numref}`chapter %s <ch-polyak>`);
# - the **cosine run**: 10 cycles of 50 epochs from a rate of 0.01 ({numref}`chapter %s <ch-cosine>`), keeping
#   the snapshot at the end of each cycle ({numref}`chapter %s <ch-snapshots>`). Its final model is cosine
#   annealing alone; its snapshots make the snapshot ensemble (averaged predictions) and the
#   snapshot weight average (averaged weights, in the spirit of SWA {cite:p}`izmailov2018`).
#
# The same seed means the same initial weights and the same batches in both runs, so each method
# can be compared with the baseline seed by seed. Six more cosine schedules answer {numref}`chapter %s <ch-snapshots>`'s
# open questions further down. All eight schedules train in one call of {py:obj}`el.train_schedules <ensemble_lib.replicas.train_schedules>`,
# which stacks their replicas into one computation (400 runs of 500 epochs) and hands back one
# run per schedule.
#
# The study is defined once, in the library, so that {numref}`chapter %s <ch-baselines>` can train the same runs; its
# schedules and its methods, as `ensemble_lib/study.py` writes them:
#
# ```{literalinclude} ../ensemble_lib/study.py
# :pyobject: study_schedules
# :start-at: def cosine
# :dedent: 4
# ```
#
# Every run keeps its weights after each of the last 250 epochs and at the end of every cosine
# cycle of any schedule (one set of kept epochs for all), and the constant-rate runs track the
# three EMAs; {py:obj}`el.study_methods <ensemble_lib.study.study_methods>` turns the runs into the eleven predictors, each a function of
# points returning all 50 replicas' probabilities:
#
# ```{literalinclude} ../ensemble_lib/study.py
# :pyobject: study_methods
# :start-at: def model
# :dedent: 4
# ```

# %%
SEEDS = el.STUDY_SEEDS  # 0, 1, ..., 49
EPOCHS = el.RECIPE.epochs  # 500
LAST_250 = el.last_epochs(250)  # the last 250 epochs, most recent first
runs = el.train_study(
    x_train, y_train, SEEDS
)  # 8 schedules x 50 seeds: 400 runs of 500 epochs
constant, cosine_run = runs["constant"], runs["cosine"]
CYCLE_ENDS = cosine_run.cycle_ends  # epochs 49, 99, ..., 499


def score(probabilities):
    """Test accuracy and log-loss of every replica's predictions."""
    return el.replica_scores(probabilities, y_test)


predictors = el.study_methods(runs)
methods = {name: score(predict(x_test)) for name, predict in predictors.items()}
# The same models on the true distribution: a 201 x 201 grid over the plane,
# weighted by the probability of each class there (chapter 1's integral, applied
# to every model).
grid = bayes.quadrature(
    grid_points=201
)  # 201 x 201 cells, those without mass left out
fresh = {
    name: el.expected_scores(predict, grid)
    for name, predict in predictors.items()
}
BAYES_FRESH = el.expected_scores(bayes.predict_proba, grid)[0]
# A strong baseline: the model family that contains the Bayes rule (chapter 1), a
# linear softmax, fitted by scikit-learn to the same 100 points without
# regularisation. One model: no seed.
linear = LogisticRegression(penalty=None, max_iter=10_000, tol=1e-10).fit(
    x_train, problem.y_train
)
LINEAR_TEST = [float(v[0]) for v in score(linear.predict_proba(x_test)[None])]
LINEAR_FRESH = el.expected_scores(linear.predict_proba, grid)
print(
    f"{len(methods)} methods x {len(SEEDS)} seeds scored on the test set and on "
    "the true distribution"
)

# %% [markdown]
# ## Every method against the final model of the same seed
#
# For each method: the mean test accuracy over the 50 seeds with its 95% confidence interval;
# the mean of the *paired* difference to the baseline (method minus final model, seed by seed),
# with its interval, the paired $t$-test's $p$-value (before any adjustment for the number of
# tests: see the next section) and how many seeds the method won, tied and
# lost; and the same difference for the log-loss (lower is better), which sees every change in
# the predicted probabilities where accuracy on 1000 points moves in steps of 0.001. These are
# the scores the originals reported, on the same kind of test set.

# %%
base_acc, base_loss = methods["final model (baseline)"]
base_mean = float(np.mean(base_acc))
rows = {}
for name, (acc, loss) in methods.items():
    if name != "final model (baseline)":
        rows[name] = (
            el.mean_interval(acc),
            el.paired_comparison(acc, base_acc),
            el.paired_comparison(loss, base_loss),
        )
el.glue("bayes_ceiling", float(BAYES))
el.glue("base_mean", base_mean)
el.glue("base_sd", float(np.std(base_acc, ddof=1)))
el.glue("base_min", float(np.min(base_acc)))
el.glue("base_max", float(np.max(base_acc)))
el.paired_table(
    {name: (r[1], r[2]) for name, r in rows.items()},
    ("accuracy", "log-loss"),
    baseline="final model (baseline)",
    means={
        "accuracy [95% CI]": {
            "final model (baseline)": el.mean_interval(base_acc),
            **{name: r[0] for name, r in rows.items()},
            "logistic regression, 1 model": LINEAR_TEST[0],
        }
    },
    p_value=True,
)

# %% [markdown]
# The final models of the 50 seeds average {glue:text}`base_mean:.3f` with a standard deviation of
# {glue:text}`base_sd:.3f` (from {glue:text}`base_min:.3f` to {glue:text}`base_max:.3f`): the
# spread between seeds is larger than any difference between methods in the table. No method
# wins on every seed: the won/tied/lost column shows each losing to the plain final model on at least
# {glue:text}`fewest_losses` of the 50 seeds.
#
# ## On fresh data: scored on the true distribution
#
# The 1000 test points are themselves one draw: the Bayes rule scores
# {glue:text}`bayes_ceiling:.3f` on them but {glue:text}`bayes_fresh:.4f` on average over fresh
# data ({numref}`chapter %s <ch-blobs>`), so this test set is an easy one. Since the distribution is known, every
# model can be scored on all of it instead: its *expected* accuracy and log-loss, the integral
# over the plane that {numref}`chapter %s <ch-blobs>` computed for the Bayes rule, here on a 201 x 201 grid. That
# removes the test set's luck entirely; what remains is the luck of the seeds. All of it, here
# and above, is conditional on the one training set of 100 points every run learns from: the
# population these intervals speak of is *runs on this training set*, not training sets of 100
# points in general. The column "gap closed" is the share of the gap between the baseline's
# expected accuracy and the Bayes rule's that the method closes.

# %%
base_fresh_acc, base_fresh_loss = fresh["final model (baseline)"]
base_fresh_mean = float(np.mean(base_fresh_acc))
fresh_rows = {}
for name in rows:
    acc, loss = fresh[name]
    closed = (np.mean(acc) - base_fresh_mean) / (BAYES_FRESH - base_fresh_mean)
    fresh_rows[name] = (
        el.paired_comparison(acc, base_fresh_acc),
        el.paired_comparison(loss, base_fresh_loss),
        closed,
    )
linear_closed = (LINEAR_FRESH[0] - base_fresh_mean) / (
    BAYES_FRESH - base_fresh_mean
)
el.glue("bayes_fresh", float(BAYES_FRESH))
el.glue("linear_fresh", float(LINEAR_FRESH[0]))
el.glue("linear_closed", float(linear_closed))
el.glue("base_fresh_sd", float(np.std(base_fresh_acc, ddof=1)))
el.glue("base_fresh_mean", base_fresh_mean)
test_vs_fresh = [np.corrcoef(methods[n][0], fresh[n][0])[0, 1] for n in methods]
el.glue("test_fresh_r_min", float(min(test_vs_fresh)))
fresh_gains = [fresh_rows[n][0].difference.mean for n in rows]
el.glue("fresh_gain_min", float(min(fresh_gains)))
el.glue("fresh_gain_max", float(max(fresh_gains)))
el.glue(
    "fresh_low_min", float(min(fresh_rows[n][0].difference.low for n in rows))
)
el.glue("closed_min", float(min(fresh_rows[n][2] for n in rows)))
el.glue("closed_max", float(max(fresh_rows[n][2] for n in rows)))
el.glue(
    "n_larger_fresh",
    sum(
        fresh_rows[n][0].difference.mean > rows[n][1].difference.mean
        for n in rows
    ),
)
el.paired_table(
    {n: fresh_rows[n][:2] for n in rows},
    ("expected accuracy", "expected log-loss"),
    baseline="final model (baseline)",
    means={
        "expected accuracy": {
            "final model (baseline)": base_fresh_mean,
            **{n: np.mean(fresh[n][0]) for n in rows},
            "logistic regression, 1 model": LINEAR_FRESH[0],
            "Bayes rule": BAYES_FRESH,
        },
        "gap closed": {
            **{n: fresh_rows[n][2] for n in rows},
            "logistic regression, 1 model": linear_closed,
        },
    },
    formats={"gap closed": ".0%"},
)

# %% [markdown]
# On the true distribution the baseline's expected accuracy is {glue:text}`base_fresh_mean:.4f`,
# and every method's gain is detectable: the mean gains run from {glue:text}`fresh_gain_min:+.4f`
# to {glue:text}`fresh_gain_max:+.4f`, every interval above zero (the lowest lower end is
# {glue:text}`fresh_low_min:+.4f`), closing {glue:text}`closed_min:.0%` to
# {glue:text}`closed_max:.0%` of the gap to the Bayes rule. For {glue:text}`n_larger_fresh` of
# the 10 methods the gain is larger than on the test set. A model's test accuracy and its
# expected accuracy correlate over the seeds by {glue:text}`test_fresh_r_min:.2f` or more: 1000
# test points rank runs roughly, and they measure effects of a few thousandths with noise of
# their own, which the integral does not have.
#
# The gap that remains is not the fault of the 100 training points. Logistic regression, the
# model family that contains the Bayes rule ({numref}`chapter %s <ch-blobs>`), fitted to the same 100 points, reaches
# {glue:text}`linear_fresh:.4f` on the true distribution: {glue:text}`linear_closed:.0%` of the
# way from the network's baseline to the ceiling, far beyond any method above. The network's
# shortfall is its own: a flexible model fitted to 100 points lands somewhere else with every
# seed (its expected accuracy has a standard deviation of {glue:text}`base_fresh_sd:.4f` over
# the seeds) and on average well below the linear model. The methods of this book recover part
# of that shortfall; a later section shows that they also make the runs more alike.
#
# ## Many tests at once, and a robust check
#
# The two tables hold ten methods, each tested on four measures (accuracy and log-loss, on the
# test set and on the true distribution): forty tests. At a 5% level each, about one in twenty
# true nulls comes out "significant" by chance, so a $p$-value must be judged against the whole
# family. **Holm's method** {cite:p}`holm1979` adjusts the forty $p$-values together so that the
# chance of even one false "helps" or "hurts" among them stays below 5%, whatever their
# dependence; the verdict at the end of this chapter reads these adjusted values. (Reading which
# unadjusted 95% intervals exclude zero is the same as $p < 0.05$ unadjusted: it offers no
# protection.) Beside the $t$-test stands Wilcoxon's signed-rank test, which uses only the ranks
# of the differences, so one seed with a huge gain cannot carry it; and the median difference
# beside the mean says whether a mean gain is typical or comes from a few seeds.
#
# Pairing is what makes effects of a few thousandths measurable, but only to the extent that a
# method and the baseline of the same seed move together. The column $r$ measures that: the
# correlation over seeds between the method's accuracy and the baseline's; "left" is the spread
# of the paired differences as a share of what unpaired runs would show
# ($\sqrt{\mathrm{var}(m) + \mathrm{var}(b)}$).

# %%
names = list(rows)
# The family: every method on four measures (test accuracy and log-loss, expected
# accuracy and log-loss), forty tests adjusted together; the t-tests and the
# Wilcoxon tests separately.
comparisons = {
    n: (rows[n][1], rows[n][2], fresh_rows[n][0], fresh_rows[n][1]) for n in names
}
flat = [(n, j) for j in range(4) for n in names]
p_t = dict(zip(flat, el.holm([comparisons[n][j].p_value for n, j in flat])))
p_w = dict(
    zip(flat, el.holm([comparisons[n][j].wilcoxon_p_value for n, j in flat]))
)
left = {}
for n in names:
    acc = methods[n][0]
    left[n] = np.std(acc - base_acc, ddof=1) / np.sqrt(
        np.var(acc, ddof=1) + np.var(base_acc, ddof=1)
    )
holm_table = el.table(
    {
        "method": names,
        "r": [rows[n][1].correlation for n in names],
        "left": [left[n] for n in names],
        "accuracy: mean": [rows[n][1].difference.mean for n in names],
        "accuracy: median": [rows[n][1].median for n in names],
        "accuracy: Holm t": [p_t[n, 0] for n in names],
        "accuracy: Holm W": [p_w[n, 0] for n in names],
        "log-loss: Holm t": [p_t[n, 1] for n in names],
        "log-loss: Holm W": [p_w[n, 1] for n in names],
    },
    formats={
        "r": ".2f",
        "left": ".0%",
        "accuracy: mean": "+.4f",
        "accuracy: median": "+.4f",
        **{
            f"{m}: Holm {t}": ".3f"
            for m in ("accuracy", "log-loss")
            for t in "tW"
        },
    },
)
correlations = [rows[n][1].correlation for n in names]
el.glue("r_min", float(min(correlations)))
el.glue("r_max", float(max(correlations)))
el.glue("left_min", float(min(left.values())))
el.glue("left_max", float(max(left.values())))
el.glue("fewest_losses", min(rows[n][1].worse for n in names))
for key, n in (
    ("cos_gain", "cosine annealing alone"),
    ("ens_gain", "snapshot ensemble (10)"),
    ("long_gain", "Polyak equal, last 250"),
):
    el.glue(key, float(rows[n][1].difference.mean))


words, robust_words = {}, {}
for n in names:
    lower = (
        False,
        True,
        False,
        True,
    )  # accuracy: higher is better; log-loss: lower
    words[n] = tuple(
        el.verdict(comparisons[n][j], p_t[n, j], lower[j]) for j in range(4)
    )
    robust_words[n] = tuple(
        el.verdict(comparisons[n][j], p_w[n, j], lower[j]) for j in range(4)
    )
helps = [n for n in names if words[n][0] == "helps"]
undetected = [n for n in names if words[n][0] == "no detectable effect"]
el.glue("acc_helps", "; ".join(helps))
el.glue("acc_undetected", "; ".join(undetected))
el.glue("undetected_p_min", float(min(p_t[n, 0] for n in undetected)))
el.glue("n_wilcoxon_agrees", sum(words[n] == robust_words[n] for n in names))
same_sign = [
    np.sign(rows[n][1].median) == np.sign(rows[n][1].difference.mean)
    for n in names
]
el.glue("n_median_same_sign", int(sum(same_sign)))
holm_table

# %% [markdown]
# Pairing first. The correlation $r$ runs from {glue:text}`r_min:.2f` to {glue:text}`r_max:.2f`.
# Methods that stay close to the final model they start from (the short averages, the fast
# EMA) share much of its luck, and their paired differences keep as little as
# {glue:text}`left_min:.0%` of the unpaired spread. For the long averages, the slow EMAs and
# the cosine runs, $r$ is near zero: their seed's baseline says almost nothing about them, the
# pairing removes next to nothing, and their gains are measured against the full seed-to-seed
# spread (where $r$ is slightly negative, it even leaves {glue:text}`left_max:.0%`). For these
# methods the pairing is not what makes the effects visible; fifty seeds are.
#
# After Holm's adjustment, the gain in *test* accuracy is detectable for {glue:text}`acc_helps`;
# it is not for {glue:text}`acc_undetected` (adjusted $p$ of {glue:text}`undetected_p_min:.3f`
# or more), although on the true distribution all of them are, as the previous section showed.
# Every log-loss gain stays detectable. Wilcoxon's test reaches the same words as the $t$-test,
# on all four measures, for {glue:text}`n_wilcoxon_agrees` of the 10 methods, and the median
# difference in test accuracy has the sign of the mean for {glue:text}`n_median_same_sign` of
# them: no gain in this table is a mean carried by a few rescued seeds, although the exponential
# average's median sits well below its mean.
#
# A second observation, on the test set: a single model, the cosine run's *final model*, gains nearly as much
# accuracy ({glue:text}`cos_gain:+.4f`) as the ensemble and the long average
# ({glue:text}`ens_gain:+.4f` and {glue:text}`long_gain:+.4f`; the table does not test them
# against each other): ending training with a learning rate that has decayed to almost zero is
# itself a form of averaging, and the baseline's constant rate never does it.
#
# Readers of the snapshot tutorial asked why single snapshots seemed to beat the ensemble. The
# fair comparison is the ensemble against the last snapshot *of the same run*:

# %%
vs_snapshot, vs_snapshot_loss = {}, {}
for name in ("snapshot ensemble (10)", "snapshot weight average (10)"):
    for where, scores in (("test set", methods), ("true distribution", fresh)):
        last = scores["cosine annealing alone"]
        vs_snapshot[name, where] = el.paired_comparison(scores[name][0], last[0])
        vs_snapshot_loss[name, where] = el.paired_comparison(
            scores[name][1], last[1]
        )
ens, swa = "snapshot ensemble (10)", "snapshot weight average (10)"
el.glue("ens_test_p", float(vs_snapshot[ens, "test set"].p_value))
el.glue("swa_test_p", float(vs_snapshot[swa, "test set"].p_value))
el.glue("swa_fresh_p", float(vs_snapshot[swa, "true distribution"].p_value))
for key, name in (("ens_fresh", ens), ("swa_fresh", swa)):
    d = vs_snapshot[name, "true distribution"].difference
    el.glue(f"{key}_mean", float(d.mean))
    el.glue(f"{key}_low", float(d.low))
    el.glue(f"{key}_high", float(d.high))
el.table(
    {
        "minus the last snapshot": [f"{n}, {w}" for n, w in vs_snapshot],
        "accuracy [95% CI]": [c.difference for c in vs_snapshot.values()],
        "p": [c.p_value for c in vs_snapshot.values()],
        "log-loss [95% CI]": [c.difference for c in vs_snapshot_loss.values()],
    },
    formats={
        "accuracy [95% CI]": "+.4f",
        "p": ".3f",
        "log-loss [95% CI]": "+.4f",
    },
)

# %% [markdown]
# On the test set, neither the ensemble of predictions nor the average of weights differs
# detectably from the last snapshot in accuracy ($p$ = {glue:text}`ens_test_p:.2f` and
# {glue:text}`swa_test_p:.2f`). On the true distribution the ensemble still does not
# ({glue:text}`ens_fresh_mean:+.4f`, interval {glue:text}`ens_fresh_low:+.4f` to
# {glue:text}`ens_fresh_high:+.4f`), but the weight average of the ten snapshots is slightly
# *worse* than the last snapshot alone ({glue:text}`swa_fresh_mean:+.4f`, interval
# {glue:text}`swa_fresh_low:+.4f` to {glue:text}`swa_fresh_high:+.4f`, $p$ =
# {glue:text}`swa_fresh_p:.3f`): averaging in the early snapshots, from epoch 49 on, costs a
# little accuracy. Both lower the log-loss further. So the answer to the readers' question: the
# single snapshots do not beat the ensemble, nor does it detectably beat them, and the ensemble
# has the lower log-loss. The accuracy gain of the snapshot recipe comes from its schedule, not
# from the vote. (These four comparisons answer one question asked in advance and are not part
# of the forty adjusted tests.)
#
# {numref}`fig-method-differences` draws the paired differences to the baseline on the true
# distribution, for both measures, with logistic regression for reference.

# %% mystnb={"figure": {"caption": "Each method minus the final model of the same seed on the true distribution, mean over 50 seeds with its 95% confidence interval; the bottom row is logistic regression fitted to the same 100 points, for reference. Left: expected accuracy (higher is better); right: expected log-loss (lower is better). The dashed line is no change.", "name": "fig-method-differences"}}
fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(10, 4.6), sharey=True)
reference = "logistic regression (reference)"
el.plot_intervals(
    {
        **{name: row[0].difference for name, row in fresh_rows.items()},
        reference: el.mean_interval(LINEAR_FRESH[0] - base_fresh_acc),
    },
    ax=ax_acc,
    xlabel="expected accuracy, method - final model",
)
el.plot_intervals(
    {
        **{name: row[1].difference for name, row in fresh_rows.items()},
        reference: el.mean_interval(LINEAR_FRESH[1] - base_fresh_loss),
    },
    ax=ax_loss,
    xlabel="expected log-loss, method - final model",
)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Were the originals lucky?
#
# The original tutorials used the same data set and the same test points, so their single
# numbers can be placed in our distributions. For each, the share of our 50 seeds that scored
# lower, the same, or higher. (Their Polyak run used Adam, and their snapshot run a wider
# network; the comparison is of orders of magnitude, not decimals.)

# %%
originals = {
    "final model (baseline)": 0.812,
    "Polyak linear, last 10": 0.809,
    "cosine annealing alone": 0.806,
    "snapshot ensemble (10)": 0.813,
}
shares = {}
for name, reported in originals.items():
    ours = methods[name][0]
    shares[name] = (
        np.mean(ours < reported - 1e-9),
        np.mean(np.abs(ours - reported) <= 1e-9),
        np.mean(ours > reported + 1e-9),
    )
el.glue("orig_base_lower", float(shares["final model (baseline)"][0]))
el.glue("orig_cosine_higher", float(shares["cosine annealing alone"][2]))
el.table(
    {
        "method": list(originals),
        "original": list(originals.values()),
        **{
            f"our seeds {word}": [s[k] for s in shares.values()]
            for k, word in enumerate(("lower", "equal", "higher"))
        },
    },
    formats={
        "original": ".3f",
        "our seeds lower": ".0%",
        "our seeds equal": ".0%",
        "our seeds higher": ".0%",
    },
)

# %% [markdown]
# The originals' baseline of 0.812 beat {glue:text}`orig_base_lower:.0%` of our seeds: a good
# seed, not an outlier. Against such a baseline, a method with a true effect of a few thousandths
# can easily look useless in a single run, and a lucky seed of any method can look like a gain.
# Their cosine run (400 epochs, 8 cycles, where ours has 500 and 10) scored 0.806, below
# {glue:text}`orig_cosine_higher:.0%` of ours. The original judged it against its own second
# baseline run of 200 epochs (test accuracy 0.796), not against the 0.812 above, and concluded
# that annealing changed little: a verdict from two single runs of different lengths, which
# this table can neither confirm nor explain.
#
# ## Is a method more stable from seed to seed?
#
# The originals motivated averaging and ensembles also by stability: a result that depends less
# on the luck of the run. That is a claim about the *spread* over seeds, not the mean, and it can
# be measured: the ratio of a method's standard deviation over the 50 seeds to the baseline's
# (below 1: more stable), taken on the expected accuracy, so that only the runs vary and not the
# test points. Its interval is a bootstrap over seeds (BCa, resampling each seed's
# method and baseline together); with ten intervals read at once, each is a 99.5% interval
# (Bonferroni: 5% shared among ten), so that all ten hold together with 95% confidence.

# %%
stability = {
    n: el.sd_ratio(fresh[n][0], base_fresh_acc, confidence=1 - 0.05 / len(names))
    for n in names
}


def stability_word(ratio):
    return (
        "more stable"
        if ratio.high < 1
        else "less stable"
        if ratio.low > 1
        else "no detectable difference"
    )


el.glue("n_more_stable", sum(r.high < 1 for r in stability.values()))
el.glue("n_less_stable", sum(r.low > 1 for r in stability.values()))
el.glue("stability_min", float(min(r.mean for r in stability.values())))
el.glue("stability_max", float(max(r.mean for r in stability.values())))
el.table(
    {
        "method": ["final model (baseline)", *stability],
        "SD": [
            np.std(fresh[n][0], ddof=1)
            for n in ["final model (baseline)", *stability]
        ],
        "SD / baseline SD [99.5% CI]": [None, *stability.values()],
        "verdict": [None, *map(stability_word, stability.values())],
    },
    formats={"SD": ".4f", "SD / baseline SD [99.5% CI]": ".2f"},
)

# %% [markdown]
# {glue:text}`n_more_stable` of the 10 methods vary detectably less from seed to seed than the
# baseline, and {glue:text}`n_less_stable` more. Their standard deviations are
# {glue:text}`stability_min:.0%` to {glue:text}`stability_max:.0%` of the baseline's; the long
# average, the slow EMAs and the cosine runs shrink the spread the most, the averages of the last
# 10 epochs and the fastest EMA the least. This is the originals' stability argument, measured,
# and on this problem it is the most striking effect of all: the methods move the mean by a few
# thousandths, but they cut the spread between runs to {glue:text}`stability_max:.0%` of the
# baseline's or less.
#
# ## How many models to average, and how fast to forget
#
# {numref}`Chapter %s <ch-polyak>` left two questions open: what happens with many more models in the average, and with
# other decay rates $\alpha$ for the exponential scheme. With the last 250 epochs kept for every
# seed, both can be answered for the whole distribution. {numref}`fig-many-averaged` shows the
# mean paired difference to the final model for the equal average of the last $n$ epochs.

# %% mystnb={"figure": {"caption": "Equal average of the last n epochs' weights minus the final model of the same seed, mean over 50 seeds with its 95% confidence band. Left: test accuracy; right: test log-loss.", "name": "fig-many-averaged"}}
N_AVERAGED = (1, 2, 3, 5, 10, 20, 30, 50, 75, 100, 150, 200, 250)
curve = {"accuracy": [], "log-loss": []}
for n in N_AVERAGED:
    acc, loss = score(
        constant.probabilities(x_test, el.average_kept(constant, LAST_250[:n]))
    )
    curve["accuracy"].append(el.paired_comparison(acc, base_acc).difference)
    curve["log-loss"].append(el.paired_comparison(loss, base_loss).difference)

fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
for ax, (measure, intervals) in zip(axes, curve.items()):
    ax.fill_between(
        N_AVERAGED,
        [iv.low for iv in intervals],
        [iv.high for iv in intervals],
        alpha=0.25,
    )
    ax.plot(N_AVERAGED, [iv.mean for iv in intervals], "o-", markersize=3)
    ax.axhline(0, color="#555555", linestyle="--", linewidth=1)
    ax.set_xscale("log")
    ax.set_xlabel("n: most recent epochs averaged (equal weights)")
    ax.set_ylabel(f"test {measure}, average - final")
fig.tight_layout()
plt.show()

# %%
el.glue("avg_200", float(curve["accuracy"][N_AVERAGED.index(200)].mean))
el.glue("avg_250", float(curve["accuracy"][N_AVERAGED.index(250)].mean))
shown = [k for k, n in enumerate(N_AVERAGED) if n >= 10]
el.table(
    {
        "equal average of the last": [f"{N_AVERAGED[k]} epochs" for k in shown],
        "accuracy vs final [95% CI]": [curve["accuracy"][k] for k in shown],
        "log-loss vs final [95% CI]": [curve["log-loss"][k] for k in shown],
    },
    formats={
        "accuracy vs final [95% CI]": "+.4f",
        "log-loss vs final [95% CI]": "+.4f",
    },
)

# %% [markdown]
# And exponential weights over the last 250 epochs, by their decay $\alpha$:

# %%
ALPHAS = (0.5, 2.0, 10.0, 50.0, 250.0)
by_alpha = []
for alpha in ALPHAS:
    averaged = el.average_kept(constant, LAST_250, "exponential", alpha)
    acc, loss = score(constant.probabilities(x_test, averaged))
    by_alpha.append(
        (
            el.paired_comparison(acc, base_acc).difference,
            el.paired_comparison(loss, base_loss).difference,
        )
    )
el.table(
    {
        "alpha": ALPHAS,
        "accuracy vs final [95% CI]": [a for a, _ in by_alpha],
        "log-loss vs final [95% CI]": [b for _, b in by_alpha],
    },
    formats={
        "alpha": "g",
        "accuracy vs final [95% CI]": "+.4f",
        "log-loss vs final [95% CI]": "+.4f",
    },
)

# %% [markdown]
# The curve answers {numref}`chapter %s <ch-polyak>`'s question: on the log-loss, more is better all the way to the
# 250 epochs we kept; on accuracy, the mean gain grows up to about 200 epochs and then levels off
# ({glue:text}`avg_200:+.4f` at 200, {glue:text}`avg_250:+.4f` at 250, well inside each other's intervals). The original's 10 epochs
# give a small gain, with an interval that contains zero, because models a few steps apart are
# nearly the same model. The decay rate acts the same way: a slow decay (large
# $\alpha$) behaves like a long equal average, a fast one ($\alpha = 0.5$, the last epoch counts
# almost alone) like the final model. The original's $\alpha = 2$ is on the short side.
#
# ## Cycle length, maximum rate, per-batch updates
#
# {numref}`Chapter %s <ch-snapshots>` tried other cycle counts and maximum rates on one seed. Here each variant is a full
# set of 50 cosine runs (trained above with the rest); the snapshot ensemble of its cycle ends (all of them, up to the last 10)
# and its final model are compared with the constant-rate baseline of the same seed.

# %%
variant_gains, variant_rows = (
    {},
    {},
)  # gains in test accuracy over the constant-rate baseline
for name, run in runs.items():
    if name == "constant":
        continue
    ens_acc, ens_loss = score(
        run.soft_vote(x_test, run.cycle_ends[-10:])
    )  # the last 10 at most
    final_acc, _ = score(run.probabilities(x_test))
    d = el.paired_comparison(ens_acc, base_acc)
    variant_gains[name] = (d.difference.mean, np.mean(final_acc) - base_mean)
    label = "10 cycles, lr_max 0.01 (above)" if name == "cosine" else name
    variant_rows[label] = (
        d,
        el.paired_comparison(ens_loss, base_loss).difference,
        variant_gains[name][1],
    )
el.glue("final_50_cycles", float(variant_gains["50 cycles"][1]))
for key, name in (("drop_005", "lr_max 0.05"), ("drop_01", "lr_max 0.1")):
    el.glue(
        key, float(-variant_gains[name][1])
    )  # below the constant-rate baseline
per_batch_shift = np.abs(
    np.subtract(variant_gains["per-batch rate"], variant_gains["cosine"])
).max()
el.glue("per_batch_shift", float(per_batch_shift))
el.table(
    {
        "cosine run": list(variant_rows),
        "ensemble: accuracy vs final [95% CI]": [
            r[0].difference for r in variant_rows.values()
        ],
        "p": [r[0].p_value for r in variant_rows.values()],
        "ensemble: log-loss vs final": [r[1].mean for r in variant_rows.values()],
        "final model: accuracy vs final": [r[2] for r in variant_rows.values()],
    },
    formats={
        "ensemble: accuracy vs final [95% CI]": "+.4f",
        "p": ".3f",
        "ensemble: log-loss vs final": "+.4f",
        "final model: accuracy vs final": "+.4f",
    },
)

# %% [markdown]
# For the ensemble, the cycle length matters little between 5 and 20 cycles; with 50 cycles of 10 epochs the final
# model gains less ({glue:text}`final_50_cycles:+.4f`), while the ensemble keeps its accuracy gain and only its log-loss gain
# shrinks. Larger maximum rates put the final model's mean accuracy below the constant-rate
# baseline's (by {glue:text}`drop_005:.4f` and {glue:text}`drop_01:.4f`) and
# leave the ensemble with no detectable gain: the snapshots become more diverse, as {numref}`chapter %s <ch-snapshots>`
# saw, but the final model is worse. Updating the rate every batch instead of every epoch moves the mean
# gains by at most {glue:text}`per_batch_shift:.4f` (not tested seed by seed).
#
# ## What the models look like
#
# {numref}`fig-regions-06` shows, for seed 0, the decision regions of the baseline, of the equal
# average of its last 250 epochs and of the snapshot ensemble, beside the Bayes-optimal regions
# of {numref}`chapter %s <ch-blobs>`.

# %% mystnb={"figure": {"caption": "Decision regions on the test points for seed 0: the Bayes-optimal rule, the final model of the constant-rate run, the equal average of its last 250 epochs, and the snapshot ensemble of the cosine run. Titles give the test accuracy.", "name": "fig-regions-06"}}
constant_0, cosine_0 = (
    constant.subset([0]),
    cosine_run.subset([0]),
)  # seed 0's replicas
average_0 = el.average_kept(constant_0, LAST_250)
panels = {
    "Bayes-optimal": bayes.predict,
    "final model": lambda points: constant_0.probabilities(points)[0].argmax(
        axis=1
    ),
    "equal average, last 250": (
        lambda points: constant_0.probabilities(points, average_0)[0].argmax(
            axis=1
        )
    ),
    "snapshot ensemble (10)": (
        lambda points: cosine_0.soft_vote(points, CYCLE_ENDS)[0].argmax(axis=1)
    ),
}
bounds = el.data_bounds(x_test)
fig, axes = plt.subplots(2, 2, figsize=(9, 8), sharex=True, sharey=True)
for ax, (title, predict) in zip(axes.ravel(), panels.items()):
    el.plot_decision_regions(predict, bounds, ax=ax, resolution=150)
    el.plot_blobs(
        x_test, y_test, ax=ax, bounds=bounds, marker_size=3, legend=False
    )
    acc = float(np.mean(predict(x_test) == y_test))
    ax.set_title(f"{title}: {acc:.3f}")
fig.tight_layout()
plt.show()

# %% [markdown]
# The three trained models are hard to tell apart. All of them bend where the Bayes boundaries are
# straight lines, most where the three classes meet, and the averaged models bend a little less.
# Those are regions with few training points, where a network of 100 examples has little to go
# on; averaging smooths the boundary there, and there are too few test points in those regions
# for it to move the accuracy much.
#
# ## The verdict
#
# The table below turns the numbers into words, for accuracy and log-loss on the test set and on
# the true distribution. "Helps" means the Holm-adjusted $p$-value of the paired $t$-test (all
# forty tests adjusted together) is below 0.05 and the mean difference is a gain (higher
# accuracy, lower log-loss); "hurts" the same with a loss; "-" that the adjusted $p$-value is
# 0.05 or more: no detectable effect. The Wilcoxon column says whether Wilcoxon's test, adjusted
# the same way, gives the same four words. The last column repeats the share of the gap to the
# Bayes rule closed on fresh data.


# %%
def short(word):
    return "-" if word == "no detectable effect" else word


verdicts = el.table(
    {
        "method": [*names, "logistic regression, 1 model"],
        **{
            f"{where}: {measure}": [short(words[n][k]) for n in names] + [None]
            for k, (where, measure) in enumerate(
                [
                    ("test set", "accuracy"),
                    ("test set", "log-loss"),
                    ("true distribution", "accuracy"),
                    ("true distribution", "log-loss"),
                ]
            )
        },
        "Wilcoxon": [
            "agrees" if robust_words[n] == words[n] else "differs" for n in names
        ]
        + [None],
        "gap closed": [fresh_rows[n][2] for n in names] + [linear_closed],
    },
    formats={"gap closed": ".0%"},
)

best_name = max(names, key=lambda n: np.mean(fresh[n][0]))
el.glue("best_method", best_name)
el.glue("best_gain", float(fresh_rows[best_name][0].difference.mean))
el.glue("best_closed", float(fresh_rows[best_name][2]))
best_mean = np.mean(fresh[best_name][0])
CLOSE = 0.0012  # how near a mean must be to the best one to count as close
el.glue("close", CLOSE)
el.glue(
    "n_close",
    int(sum(0 < best_mean - np.mean(fresh[n][0]) <= CLOSE for n in names)),
)
largest_effect = max(abs(row[1].difference.mean) for row in rows.values())
el.glue(
    "range_ratio", float((np.max(base_acc) - np.min(base_acc)) / largest_effect)
)
el.glue("sd_effect_ratio", float(np.std(base_acc, ddof=1) / largest_effect))
verdicts

# %% [markdown]
# On the true distribution, the method with the highest mean expected accuracy is
# {glue:text}`best_method`, with a mean gain of {glue:text}`best_gain:.4f` over the final model
# of the same seed: it closes {glue:text}`best_closed:.0%` of the gap to the Bayes rule. The
# means of {glue:text}`n_close` other methods lie within {glue:text}`close` of it, and the only pair tested
# head to head above, the snapshot ensemble against its own last snapshot (which is this
# method's final model), shows no detectable difference in test or expected accuracy: this ranks means, not
# methods. That is the honest size of the
# effects the originals were looking for with a single run each: a few thousandths of accuracy,
# less than the spread between seeds. The log-loss is where averaging shows clearly, because an
# averaged model is less over-confident at the edges of the classes, exactly where the decision
# regions differ.
#
# ## Summary
#
# - One engine trains a replica of {numref}`chapter %s <ch-baseline>`'s Keras run per seed, all at once; a replica starts
#   from the same weights, sees the same batches and follows the same updates, and reproduces
#   {numref}`chapter %s <ch-baseline>`'s accuracies to within 0.005 (four of five digit for digit).
# - Fifty seeds per method and paired comparisons with the baseline of the same seed turn
#   "results may vary" into intervals: the baseline's range over seeds ({glue:text}`base_min:.3f`
#   to {glue:text}`base_max:.3f`) is {glue:text}`range_ratio:.1f` times the largest mean effect of
#   any method, and its standard deviation {glue:text}`sd_effect_ratio:.1f` times.
# - With Holm's adjustment over all forty tests, every method lowers the log-loss, on the test
#   set and on the true distribution. On the test set, the accuracy gains of the averages of the
#   last 10 epochs and of the two faster EMAs are not detectable; scored on the true
#   distribution, without the test set's own noise, every method's accuracy gain is detectable
#   ({glue:text}`fresh_gain_min:+.4f` to {glue:text}`fresh_gain_max:+.4f`, closing
#   {glue:text}`closed_min:.0%` to {glue:text}`closed_max:.0%` of the gap to the Bayes rule).
#   Wilcoxon's test gives the same words for {glue:text}`n_wilcoxon_agrees` of the 10 methods.
# - Every method makes runs more alike: the seed-to-seed spread of the expected accuracy drops to
#   {glue:text}`stability_min:.0%` to {glue:text}`stability_max:.0%` of the baseline's. Pairing
#   with the baseline of the same seed helps the comparisons only for the methods that stay close
#   to the final model; for the others the correlation is near zero.
# - Annealing the learning rate to zero alone has the highest mean expected accuracy
#   ({glue:text}`best_method`), and the methods built on it add no detectable accuracy: over their last
#   snapshot, which is the cosine run's final model, the snapshot ensemble adds a lower log-loss
#   but no detectable accuracy, and the snapshot weight average a lower log-loss but slightly
#   lower expected accuracy.
# - Logistic regression fitted to the same 100 points closes {glue:text}`linear_closed:.0%` of
#   the gap between the network's baseline and the Bayes rule on the true distribution: the
#   network's gap is the network's, not the data's.
# - Every number here is about runs on one training set of 100 points.
# - The originals' single-run numbers are ordinary draws from these distributions.
#
# Open questions: the network's gap to the ceiling is not a lack of data, since a linear model on
# the same 100 points nearly closes it. Is the final model of a constant-rate run simply too weak
# an opponent: would early stopping, weight decay or an ensemble of independent runs do as well
# as these methods, or better? And are the lower log-losses a sign of better-calibrated
# probabilities, or would one temperature do the same? {numref}`Chapter %s <ch-baselines>` answers all of these on the
# same runs.
#
# ## Exercises
#
# ```{exercise} How many seeds are enough?
# :label: ex-many-seeds-count
#
# Take the gain of "Polyak equal, last 250" over the final model in test accuracy, and compute
# its 95% interval from the first 10, 20 and 30 seeds as well as from all 50. How does the
# interval's half-width shrink with the number of seeds, and from how many seeds on does the
# interval exclude zero?
# ```
#
# ```{solution-start} ex-many-seeds-count
# :class: dropdown
# ```

# %%
long_acc = methods["Polyak equal, last 250"][0]
subsets = [10, 20, 30, 50]
intervals = [
    el.mean_interval(long_acc[:k] - base_acc[:k])
    for k in subsets
]
el.glue("first10_gain", intervals[0].mean)
el.glue("all50_gain", intervals[-1].mean)
el.table(
    {
        "seeds": subsets,
        "gain [95% CI]": intervals,
        "half-width": [iv.half_width for iv in intervals],
        "half-width x sqrt(seeds)": [
            iv.half_width * np.sqrt(k)
            for iv, k in zip(intervals, subsets)
        ],
    },
    formats={
        "gain [95% CI]": "+.4f",
        "half-width": ".4f",
        "half-width x sqrt(seeds)": ".4f",
    },
)

# %% [markdown]
# The half-width falls as one over the square root of the number of seeds (the last column
# stays nearly constant): four times the seeds for half the interval. For this method, one of
# the largest effects in the table, the interval excludes zero from 10 seeds on, but the
# estimate itself moves: {glue:text}`first10_gain:+.4f` from the first 10 seeds,
# {glue:text}`all50_gain:+.4f` from all 50. A study that stopped at the first seeds showing an
# effect would have reported a gain well above the one more seeds settle on.
#
# ```{solution-end}
# ```
#
# ```{exercise} What Holm's adjustment changes
# :label: ex-many-seeds-holm
#
# Of the forty $t$-tests behind the verdict table, how many have $p < 0.05$ before the
# adjustment, and how many after Holm's? Which verdicts would an unadjusted reading add?
# ```
#
# ```{solution-start} ex-many-seeds-holm
# :class: dropdown
# ```

# %%
raw = {key: comparisons[key[0]][key[1]].p_value for key in flat}
measures = [
    "test accuracy",
    "test log-loss",
    "expected accuracy",
    "expected log-loss",
]
added = [
    f"{n}, {measures[j]}"
    for (n, j), p in raw.items()
    if p < 0.05 <= p_t[n, j]
]
counts = [
    int(sum(p < 0.05 for p in raw.values())),
    int(sum(p < 0.05 for p in p_t.values())),
]
el.glue("n_raw_significant", counts[0])
el.glue("n_holm_significant", counts[1])
el.table(
    {
        "tests with p < 0.05": [
            "before adjustment",
            "after Holm's adjustment",
        ],
        "count": counts,
    }
)

# %%
print(
    "only significant before the adjustment:",
    *added,
    sep="\n  ",
)

# %% [markdown]
# {glue:text}`n_raw_significant` tests pass the unadjusted 5% bar and
# {glue:text}`n_holm_significant` the adjusted one. The ones in between, listed above, are all
# gains in test accuracy that this chapter calls undetected. Holm's method costs little here,
# because most $p$-values are tiny; where it does cost, the true distribution shows gains the
# test set could not establish. That is the price of not being fooled by chance among forty
# tests.
#
# ```{solution-end}
# ```
#
# ```{exercise} A third test: counting signs
# :label: ex-many-seeds-sign
#
# The *sign test* ignores the sizes of the differences altogether: under no effect, a seed is
# as likely to gain as to lose. Apply it to the test-accuracy gains of the ten methods
# (`scipy.stats.binomtest` on the won and lost seeds, ties left out) and compare its $p$-values
# with the $t$-test's and Wilcoxon's, all unadjusted.
# ```
#
# ```{solution-start} ex-many-seeds-sign
# :class: dropdown
# ```

# %%
from scipy.stats import binomtest

sign_p = {
    n: binomtest(
        rows[n][1].better, rows[n][1].better + rows[n][1].worse
    ).pvalue
    for n in names
}
el.table(
    {
        "method": names,
        "won/lost": [
            f"{rows[n][1].better}/{rows[n][1].worse}"
            for n in names
        ],
        "t-test p": [rows[n][1].p_value for n in names],
        "Wilcoxon p": [
            rows[n][1].wilcoxon_p_value for n in names
        ],
        "sign test p": [sign_p[n] for n in names],
    },
    formats={
        "t-test p": ".3f",
        "Wilcoxon p": ".3f",
        "sign test p": ".3f",
    },
)

# %% [markdown]
# The sign test looks only at how many seeds gained, so its $p$-value is large wherever wins and
# losses are nearly balanced, however much larger the wins are than the losses. It throws away
# the most information of the three; where even it gives a small $p$-value, a gain does not hang
# on any assumption about the shape of the differences.
#
# ```{solution-end}
# ```
