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
from myst_nb import glue

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
# `el.load_blobs()` runs that recipe with `return_centers=True`, so we also keep the centres the
# points were drawn around.

# %%
problem = el.load_blobs()
print("training inputs:", problem.x_train.shape)
print("test inputs:    ", problem.x_test.shape)
print("training points per class:", np.bincount(problem.y_train))
print("test points per class:    ", np.bincount(problem.y_test))
print("generating centres:\n", problem.centers.round(3))
print("standard deviation of every class:", problem.cluster_std)

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

for a, b in [(0, 1), (0, 2), (1, 2)]:
    distance = np.linalg.norm(problem.centers[a] - problem.centers[b])
    d = distance / problem.cluster_std
    print(f"classes {a} and {b}: {d:4.2f} standard deviations apart, "
          f"confused at best {norm.cdf(-d / 2):6.1%}")

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

# %%
bayes = el.BayesClassifier.for_problem(problem)
bayes_test = bayes.accuracy(problem.x_test, problem.y_test)
bayes_train = bayes.accuracy(problem.x_train, problem.y_train)
bayes_expected = bayes.expected_accuracy()
print(f"class priors:                       {np.round(bayes.priors, 4)}")
print(f"Bayes accuracy on the 100 training points: {bayes_train:.3f}")
print(f"Bayes accuracy on the 1000 test points:    {bayes_test:.3f}")
print(f"Bayes expected accuracy on fresh data:     {bayes_expected:.4f}")
glue("bayes_test", bayes_test, display=False)
glue("bayes_expected", bayes_expected, display=False)

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
original_test = {
    "original, 500 epochs": 0.812,
    "original, 200 epochs": 0.796,
}
print(f"{'':22s}{'test accuracy':>14s}{'gap to Bayes':>14s}")
for name, acc in original_test.items():
    print(f"{name:22s}{acc:14.3f}{bayes_test - acc:14.3f}")

# %% [markdown]
# A gap of a few points of accuracy is all there is to win. Every method of the following chapters,
# weight averaging, cosine schedules and snapshot ensembles, will be judged by how much of it it
# closes, and chapter 06 will check whether what it closes is more than luck.
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
# ceiling, and how much does its result depend on the luck of a single training run? Chapter 02
# trains the baseline.
