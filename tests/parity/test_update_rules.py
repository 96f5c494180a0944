"""Each hand-written update rule against ``torch.optim`` on one tensor, fed the same
sequence of gradients (float64): the rule alone, without a network around it. Plus one
small example computed by hand per rule."""
import numpy as np
import pytest
import torch

from data_utils.training.recipe import Recipe
from fcann2.optimizers import UPDATE_RULES
from pt_deep.optim import _OPTIMIZERS

RECIPES = {
    "sgd": Recipe(lr=0.1),
    "momentum": Recipe(lr=0.1, momentum=0.9),
    "nesterov": Recipe(lr=0.1, momentum=0.9, nesterov=True),
    "rmsprop": Recipe(optimizer="rmsprop", lr=0.01),
    "rmsprop+momentum": Recipe(optimizer="rmsprop", lr=0.01, momentum=0.8, alpha=0.9, eps=1e-6),
    "adam": Recipe(optimizer="adam", lr=0.01),
    "adam custom": Recipe(optimizer="adam", lr=0.003, betas=(0.5, 0.9), eps=1e-4),
}


def _run_both(recipe: Recipe, grads: np.ndarray, lrs: list[float]):
    theta = np.linspace(-1, 1, grads.shape[1])
    rule = UPDATE_RULES[recipe.optimizer](recipe, theta)
    param = torch.tensor(theta.copy(), requires_grad=True)
    cls, kwargs = _OPTIMIZERS[recipe.optimizer]
    opt = cls([param], lr=recipe.lr, **kwargs(recipe))
    for g, lr in zip(grads, lrs):
        rule.update(theta, g.copy(), lr)
        param.grad = torch.tensor(g.copy())
        opt.param_groups[0]["lr"] = lr
        opt.step()
    return theta, param.detach().numpy()


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_rule_matches_torch_optim(name):
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(200, 64)) * np.exp(rng.normal(size=(200, 1)))  # varied scales
    lrs = [RECIPES[name].lr * 0.99 ** k for k in range(200)]  # a changing rate as a schedule gives
    ours, theirs = _run_both(RECIPES[name], grads, lrs)
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-13, err_msg=name)


def test_hand_computed_steps():
    g1, g2 = np.array([1.0, -2.0]), np.array([0.5, 0.5])

    def run(recipe):
        theta = np.zeros(2)
        rule = UPDATE_RULES[recipe.optimizer](recipe, theta)
        rule.update(theta, g1.copy(), recipe.lr)
        rule.update(theta, g2.copy(), recipe.lr)
        return theta

    # momentum 0.5: buf1 = g1, buf2 = 0.5 g1 + g2 -> theta = -lr (buf1 + buf2)
    np.testing.assert_allclose(run(Recipe(lr=0.1, momentum=0.5)), -0.1 * (g1 + 0.5 * g1 + g2), rtol=1e-15)
    # nesterov: d_k = g_k + mu buf_k
    buf2 = 0.5 * g1 + g2
    np.testing.assert_allclose(run(Recipe(lr=0.1, momentum=0.5, nesterov=True)),
                               -0.1 * ((g1 + 0.5 * g1) + (g2 + 0.5 * buf2)), rtol=1e-15)
    # adam, first step: m_hat = g, v_hat = g^2 -> step lr * g / (|g| + eps)
    theta = np.zeros(2)
    adam = Recipe(optimizer="adam", lr=0.01)
    UPDATE_RULES["adam"](adam, theta).update(theta, g1.copy(), 0.01)
    np.testing.assert_allclose(theta, -0.01 * g1 / (np.abs(g1) + 1e-8), rtol=1e-12)
    # rmsprop, first step: v = (1 - alpha) g^2
    theta = np.zeros(2)
    rms = Recipe(optimizer="rmsprop", lr=0.01, alpha=0.9)
    UPDATE_RULES["rmsprop"](rms, theta).update(theta, g1.copy(), 0.01)
    np.testing.assert_allclose(theta, -0.01 * g1 / (np.sqrt(0.1 * g1 ** 2) + 1e-8), rtol=1e-14)
