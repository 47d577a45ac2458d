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
# (ch-blobs)=
# # The blobs problem, and the best any classifier can do
#
# Every chapter of this book trains on the same small problem, so that the differences between
# methods are differences between methods and not between data sets. This chapter builds it and
# then asks a question the original tutorials never asked: **how well could any classifier
# possibly do here?**
#
# In this chapter you will
#
# - generate the three-class, two-dimensional *blobs* data set with scikit-learn and split it
#   into 100 training and 1000 test points;
# - see why it is hard: the classes overlap, so some points are ambiguous for any model;
# - compute the **Bayes-optimal classifier** from the known generating distribution, its accuracy
#   on the 1000 test points and its expected accuracy on fresh data: the ceiling that every later
#   chapter measures itself against.

# %% tags=["hide-input"]
import ensemble_lib as el  # first: it fixes TensorFlow's numeric path
import matplotlib.pyplot as plt
import numpy as np

el.use_book_style()

# %% [markdown]
# ## Three overlapping Gaussians
#
# scikit-learn's `make_blobs` draws points around a few centres, each class from an isotropic
# Gaussian with the same standard deviation. The originals used 1100 points, three centres, two
# features, a standard deviation of 2 and the random state 2; the first 100 rows train and the
# remaining 1000 test. So little labelled data is on purpose: a network fitted to 100 points
# depends a lot on which 100 points and on the luck of its training run, and that variance is
# exactly what averaging and ensembles try to reduce.
#
# {py:obj}`el.load_blobs() <ensemble_lib.data.load_blobs>` runs that recipe with
# `return_centers=True`, so we also keep the centres the points were drawn around. Each set has
# two features per point; here is how many points of each class it holds:

# %%
problem = el.load_blobs()
labels = {"training": problem.y_train, "test": problem.y_test}
el.table(
    {
        "set": list(labels),
        "points": [len(y) for y in labels.values()],
        **{
            f"class {k}": [int(np.sum(y == k)) for y in labels.values()]
            for k in range(3)
        },
    }
)

# %% [markdown]
# And how they were drawn: each class around its centre, with the same standard deviation, and
# with the share of the 1100 points (the *prior*) that `make_blobs` gave it:

# %%
el.table(
    {
        "class": [0, 1, 2],
        "centre, first feature": problem.centers[:, 0],
        "centre, second feature": problem.centers[:, 1],
        "standard deviation": [problem.cluster_std] * 3,
        "prior": problem.class_priors,
    },
    formats={
        "centre, first feature": ".3f",
        "centre, second feature": ".3f",
        "standard deviation": "g",
        "prior": ".4f",
    },
)

# %% [markdown]
# The classes are nearly balanced, and the training set, being a random tenth of the data, is a
# little less so. A softmax output needs one-hot targets: class 1 becomes the row `[0, 1, 0]`.

# %%
el.one_hot(problem.y_train[:5])

# %% [markdown]
# {numref}`fig-blobs-scatter` draws the 1000 test points, as the originals did, coloured by class.

# %% mystnb={"figure": {"caption": "The 1000 test points of the blobs problem, coloured by class. Two of the three groups overlap heavily; the third is separate but not far.", "name": "fig-blobs-scatter"}}
bounds = el.data_bounds(problem.x_train, problem.x_test)
fig, ax = plt.subplots()
el.plot_blobs(problem.x_test, problem.y_test, ax=ax, bounds=bounds)
plt.show()

# %% [markdown]
# ## Why it is hard: the classes overlap
#
# No straight line separates the two overlapping groups, and no curve does either: some points of
# class 1 lie deep inside the cloud of class 2 and the other way round. How much they overlap
# depends on the distance between the centres measured in standard deviations.

# %% [markdown]
# Two Gaussians of the same spread whose centres are $d$ standard deviations apart are confused,
# even at the best possible boundary (halfway between them), for a fraction $\Phi(-d/2)$ of their
# points, where $\Phi$ is the standard normal distribution function. That fraction does not
# shrink with more data or a bigger model: it is in the data.

# %%
from scipy.stats import norm

pairs = [(0, 1), (0, 2), (1, 2)]
centres, spread = problem.centers, problem.cluster_std
apart = [np.linalg.norm(centres[a] - centres[b]) / spread for a, b in pairs]
el.table(
    {
        "classes": [f"{a} and {b}" for a, b in pairs],
        "centres apart (standard deviations)": apart,
        "confused at best": [norm.cdf(-d / 2) for d in apart],
    },
    formats={
        "centres apart (standard deviations)": ".2f",
        "confused at best": ".1%",
    },
)

# %% [markdown]
# ## The ceiling: the Bayes-optimal classifier
#
# We know exactly how the points were made, so we can write down the probability of each class at
# any point $x$. With class priors $\pi_k$ (the share of the 1100 points `make_blobs` gives to
# centre $k$), centres $\mu_k$ and the common standard deviation $\sigma$, Bayes' rule gives
#
# $$
# P(k \mid x) = \frac{\pi_k \exp\left(-\lVert x - \mu_k \rVert^2 / 2\sigma^2\right)}
#                    {\sum_j \pi_j \exp\left(-\lVert x - \mu_j \rVert^2 / 2\sigma^2\right)} .
# $$
#
# Predicting the most probable class is the **Bayes-optimal classifier**: no rule, however it was
# learned, has a higher expected accuracy on points drawn from this distribution. With equal
# spreads, the $\lVert x \rVert^2$ terms cancel between classes: the log-odds of any two classes
# are a linear function of $x$, so the posterior is *exactly* a softmax of linear functions
# (multinomial logistic regression) and the boundaries are exactly straight lines. With almost
# equal priors they lie almost halfway between the centres, as for a nearest-centre rule.
# Its expected accuracy is the integral over the plane of
# $\max_k \pi_k\, p_k(x)$, which `expected_accuracy` computes on a fine grid.
#
# In code, {py:obj}`el.BayesClassifier <ensemble_lib.bayes.BayesClassifier>` holds the centres,
# the spread and the priors. The logarithm of the numerator, for every point and class at once:
#
# ```{literalinclude} ../ensemble_lib/bayes.py
# :pyobject: BayesClassifier._log_joint
# :dedent:
# ```
#
# and the posterior divides by the sum, after subtracting each row's largest term so that no
# exponential overflows:
#
# ```{literalinclude} ../ensemble_lib/bayes.py
# :pyobject: BayesClassifier.predict_proba
# :start-at: log_joint = self._log_joint(
# :dedent:
# ```

# %%
bayes = el.BayesClassifier.for_problem(problem)
bayes_test = bayes.accuracy(problem.x_test, problem.y_test)
bayes_expected = bayes.expected_accuracy()
el.glue("bayes_test", bayes_test)
el.glue("bayes_expected", bayes_expected)
bayes_train = bayes.accuracy(problem.x_train, problem.y_train)
el.table(
    {
        "points": [
            "the 100 training points",
            "the 1000 test points",
            "fresh data, in expectation",
        ],
        "Bayes accuracy": [bayes_train, bayes_test, bayes_expected],
    },
    formats={"Bayes accuracy": ".4f"},
)

# %% [markdown]
# So on the 1000 test points the best possible rule scores {glue:text}`bayes_test:.3f`, and on
# fresh data it would score {glue:text}`bayes_expected:.3f` on average. Two numbers, because a
# test set is itself a sample: these 1000 points happen to be a little easier, or a little
# harder, than the distribution they come from. A trained network could beat the Bayes rule on
# this particular test set by luck, but not on average; a gap between the two is what remains
# for a better method to close.
#
# {numref}`fig-bayes-regions` shows the Bayes decision regions under the test points. Every point
# of one colour lying in a region of another colour is an error the best classifier must make.

# %% mystnb={"figure": {"caption": "Decision regions of the Bayes-optimal classifier (shaded, with black boundaries) under the 1000 test points. Points lying in a region of another colour are errors no classifier can avoid on average.", "name": "fig-bayes-regions"}}
fig, ax = plt.subplots()
el.plot_decision_regions(bayes.predict, bounds, ax=ax)
el.plot_blobs(problem.x_test, problem.y_test, ax=ax, marker_size=8)
plt.show()

# %% [markdown]
# ## Where the originals stand
#
# The original tutorials trained a small multilayer perceptron on this problem and reported a
# test accuracy of 0.812 for 500 epochs (0.796 for a 200-epoch run). Beside the ceiling:

# %%
original = {"original, 500 epochs": 0.812, "original, 200 epochs": 0.796}
el.table(
    {
        "run": list(original),
        "test accuracy": list(original.values()),
        "gap to the Bayes rule": [bayes_test - a for a in original.values()],
    },
    formats={"test accuracy": ".3f", "gap to the Bayes rule": ".3f"},
)

# %% [markdown]
# A gap of a few points of accuracy is all there is to win. Every method of the following chapters,
# weight averaging, cosine schedules and snapshot ensembles, will be judged by how much of it it
# closes, and {numref}`chapter %s <ch-many-seeds>` will check whether what it closes is more than
# luck.
#
# ## Summary
#
# - The blobs problem: 3 classes, 2 features, 100 training and 1000 test points, generated by
#   `make_blobs(n_samples=1100, centers=3, n_features=2, cluster_std=2, random_state=2)`.
# - Two of the classes overlap, so some errors are unavoidable.
# - Because the generating distribution is known, the Bayes-optimal classifier can be computed:
#   it scores {glue:text}`bayes_test:.3f` on these test points and {glue:text}`bayes_expected:.3f`
#   in expectation. That is the ceiling for every model in this book.
#
# **Open questions.** How close does a neural network trained on only 100 points come to this
# ceiling, and how much does its result depend on the luck of a single training run?
# {numref}`Chapter %s <ch-baseline>` trains the baseline.
#
# ## Exercises
#
# ```{exercise} How the ceiling moves with the spread
# :label: ex-blobs-spread
#
# The overlap, and so the ceiling, is set by how far apart the centres are *in standard
# deviations*. Keep the three centres and priors and compute the Bayes rule's expected accuracy
# for standard deviations of 1, 1.5, 2, 2.5 and 3. How much does the ceiling fall from the book's
# spread of 2 to 3?
# ```
#
# ```{solution-start} ex-blobs-spread
# :class: dropdown
# ```
#
# {py:obj}`el.BayesClassifier <ensemble_lib.bayes.BayesClassifier>` takes the centres, the spread
# and the priors directly:

# %%
spreads = [1.0, 1.5, 2.0, 2.5, 3.0]
ceilings = []
for spread in spreads:
    rule = el.BayesClassifier(
        problem.centers, spread, problem.class_priors
    )
    ceilings.append(rule.expected_accuracy())
el.glue(
    "ceiling_drop", ceilings[2] - ceilings[4]
)  # spread 2, then 3
el.table(
    {
        "standard deviation": spreads,
        "Bayes expected accuracy": ceilings,
    },
    formats={
        "standard deviation": "g",
        "Bayes expected accuracy": ".4f",
    },
)

# %% [markdown]
# The ceiling falls steeply: from a spread of 2 to one of 3 it loses
# {glue:text}`ceiling_drop:.3f` of accuracy, because the confused fraction $\Phi(-d/2)$ grows fast as $d$ shrinks.
#
# ```{solution-end}
# ```
#
# ```{exercise} A linear model is the right family
# :label: ex-blobs-logistic
#
# With equal spreads the Bayes posterior is exactly a softmax of linear functions of $x$. Fit
# scikit-learn's `LogisticRegression` (a softmax of linear functions) to the 100 training points
# and score it on the 1000 test points. How close does it come to the Bayes rule's
# {glue:text}`bayes_test:.3f`? Keep its test accuracy in mind when the next chapter trains a
# neural network on the same points.
# ```
#
# ```{solution-start} ex-blobs-logistic
# :class: dropdown
# ```

# %%
from sklearn.linear_model import LogisticRegression

linear = LogisticRegression().fit(
    problem.x_train, problem.y_train
)
linear_test = linear.score(problem.x_test, problem.y_test)
gap = bayes_test - linear_test
el.glue("linear_gap_points", round(gap * len(problem.y_test)))
el.table(
    {
        "classifier": [
            "logistic regression, 100 points",
            "Bayes rule",
        ],
        "test accuracy": [linear_test, bayes_test],
    },
    formats={"test accuracy": ".3f"},
)

# %% [markdown]
# Nine parameters fitted to 100 points come within {glue:text}`linear_gap_points` test points of
# the best possible rule:
# the model family contains the truth, and a small family has little room to overfit. A network
# has more freedom, which costs it here; the later chapters are about reducing what that freedom
# costs.
#
# ```{solution-end}
# ```
#
# ```{exercise} How precise is a test accuracy?
# :label: ex-blobs-precision
#
# Each test point is right or wrong independently, with probability $p$ of being right, so a test
# accuracy measured on $n$ points has a standard error of $\sqrt{p(1-p)/n}$. What is it for the
# Bayes rule on these 1000 points? How many test points would a 95% interval of $\pm 0.01$ need?
# ```
#
# ```{solution-start} ex-blobs-precision
# :class: dropdown
# ```

# %%
p = bayes_expected
standard_error = np.sqrt(p * (1 - p) / len(problem.y_test))
needed = int(np.ceil((1.96 / 0.01) ** 2 * p * (1 - p)))
el.table(
    {
        "quantity": [
            "standard error on 1000 points",
            "test points for a 95% interval of ±0.01",
        ],
        "value": [f"{standard_error:.4f}", f"{needed}"],
    }
)

# %% [markdown]
# On 1000 points a test accuracy is uncertain by about one point of accuracy either way, more
# than most of the effects this book measures; pinning it to $\pm 0.01$ would take several
# thousand points. That is why the test accuracy of the Bayes rule differs from its expectation,
# and why later chapters compare methods on the *same* test points and over many seeds.
#
# ```{solution-end}
# ```
