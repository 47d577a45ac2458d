"""The book's MLP (models.py): its architecture and where its initial weights come from."""

import ensemble_lib as el

import numpy as np
import pytest


def test_build_mlp_architecture():
    model = el.build_mlp(seed=0)
    assert [layer.name for layer in model.layers] == ["hidden", "output"]
    assert [w.shape for w in model.get_weights()] == [(2, 25), (25,), (25, 3), (3,)]
    assert model.layers[0].activation.__name__ == "relu"
    assert model.layers[1].activation.__name__ == "exact_softmax"
    assert el.build_mlp(seed=0, recipe=el.RECIPE.replace(hidden_units=50)).layers[0].units == 50


def test_initial_weights_depend_on_the_seed_only():
    first = el.build_mlp(seed=7).get_weights()
    el.build_mlp(seed=8)  # building another model in between changes nothing
    again = el.build_mlp(seed=7).get_weights()
    other = el.build_mlp(seed=8).get_weights()
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[0], other[0])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"recipe": 25}, TypeError, "recipe must be a Recipe"),
        ({"seed": -1}, ValueError, "seed must be in"),
        ({"seed": "0"}, TypeError, "seed must be an int"),
        ({"n_classes": 0}, ValueError, "n_classes must be at least 1"),
        ({"n_features": True}, TypeError, "n_features must be an int"),
    ],
)
def test_build_mlp_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        el.build_mlp(**kwargs)


@pytest.mark.parametrize("hidden_units, seed", [(25, 0), (25, 7), (50, 3)])
def test_initial_weights_are_build_mlps(hidden_units, seed):
    recipe = el.RECIPE.replace(hidden_units=hidden_units)
    expected = el.build_mlp(seed, recipe).get_weights()
    got = el.initial_weights(seed, recipe)
    assert [w.shape for w in got] == [w.shape for w in expected]
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)
