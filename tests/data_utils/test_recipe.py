"""The training recipe: defaults, every refused combination named by its key, the lr
schedules against torch's schedulers, and the registries that must list the same
optimizers."""
import math

import pytest
import torch

from data_utils.training.recipe import LR_SCHEDULES, OPTIMIZERS, Recipe, RecipeError, as_recipe


def test_defaults_are_torchs():
    assert Recipe().to_dict() == {"optimizer": "sgd", "lr": 0.1, "weight_decay": 0.0, "momentum": 0.0,
                                  "nesterov": False, "lr_schedule": "constant", "early_stopping": False,
                                  "patience": 10}
    adam = Recipe(optimizer="adam")
    assert adam.betas == (0.9, 0.999) and adam.eps == 1e-8 and adam.momentum is None
    rms = Recipe(optimizer="rmsprop")
    assert rms.alpha == 0.99 and rms.eps == 1e-8 and rms.momentum == 0.0
    assert Recipe(lr_schedule="step", step_size=2).gamma == 0.1
    assert Recipe().holdout_fraction is None
    assert Recipe(early_stopping=True).holdout_fraction == 0.1
    assert Recipe(validation_fraction=0.3).holdout_fraction == 0.3


BAD = [
    (dict(optimizer="adagrad"), "optimizer", "must be one of 'sgd', 'rmsprop', 'adam', got 'adagrad'"),
    (dict(lr=0), "lr", "must be > 0, got 0"),
    (dict(lr=math.inf), "lr", "must be a finite number, got inf"),
    (dict(lr=math.nan), "lr", "must be a finite number"),
    (dict(lr="fast"), "lr", "must be a number, got 'fast'"),
    (dict(weight_decay=-1e-3), "weight_decay", "must be >= 0, got -0.001"),
    (dict(weight_decay=math.inf), "weight_decay", "must be a finite number"),
    (dict(momentum=1.0), "momentum", "must be < 1, got 1.0"),
    (dict(momentum=-0.1), "momentum", "must be >= 0"),
    (dict(nesterov=True), "nesterov", "needs momentum > 0, got momentum = 0"),
    (dict(nesterov="yes", momentum=0.9), "nesterov", "must be true or false"),
    (dict(optimizer="adam", momentum=0.9), "momentum", "does not apply to optimizer 'adam' (only to 'sgd', 'rmsprop')"),
    (dict(optimizer="adam", nesterov=False), "nesterov", "does not apply to optimizer 'adam'"),
    (dict(optimizer="sgd", betas=(0.9, 0.99)), "betas", "does not apply to optimizer 'sgd' (only to 'adam')"),
    (dict(optimizer="sgd", eps=1e-8), "eps", "does not apply to optimizer 'sgd'"),
    (dict(optimizer="adam", alpha=0.9), "alpha", "only to 'rmsprop'"),
    (dict(optimizer="adam", betas=(0.9, 1.0)), "betas", "must be < 1, got 1.0"),
    (dict(optimizer="adam", betas=(-0.1, 0.9)), "betas", "must be >= 0"),
    (dict(optimizer="adam", betas=(0.9,)), "betas", "must be a pair"),
    (dict(optimizer="adam", eps=0), "eps", "must be > 0, got 0"),
    (dict(optimizer="rmsprop", alpha=1.5), "alpha", "must be < 1"),
    (dict(lr_schedule="linear"), "lr_schedule", "must be one of 'constant', 'step', 'exponential', 'cosine'"),
    (dict(lr_schedule="exponential"), "gamma", "is required by lr_schedule 'exponential'"),
    (dict(lr_schedule="exponential", gamma=0), "gamma", "must be > 0, got 0"),
    (dict(lr_schedule="step", gamma=-1, step_size=2), "gamma", "must be > 0"),
    (dict(lr_schedule="step"), "step_size", "is required by lr_schedule 'step'"),
    (dict(lr_schedule="step", step_size=0), "step_size", "must be an integer >= 1, got 0"),
    (dict(lr_schedule="step", step_size=2.5), "step_size", "must be an integer >= 1, got 2.5"),
    (dict(step_size=3), "step_size", "does not apply to lr_schedule 'constant' (only to 'step')"),
    (dict(gamma=0.9), "gamma", "does not apply to lr_schedule 'constant'"),
    (dict(lr_schedule="cosine", gamma=0.9), "gamma", "does not apply to lr_schedule 'cosine'"),
    (dict(early_stopping=1), "early_stopping", "must be true or false"),
    (dict(validation_fraction=1.0), "validation_fraction", "must be < 1"),
    (dict(validation_fraction=0), "validation_fraction", "must be > 0"),
    (dict(patience=0), "patience", "must be an integer >= 1, got 0"),
]


@pytest.mark.parametrize("keys, key, message", BAD, ids=[f"{k}:{m[:25]}" for _, k, m in BAD])
def test_refused_with_the_key_named(keys, key, message):
    with pytest.raises(RecipeError) as err:
        Recipe(**keys)
    assert err.value.key == key and message in str(err.value), str(err.value)
    assert str(err.value).startswith(f"{key}: ")


def test_as_recipe():
    r = Recipe(optimizer="adam")
    assert as_recipe(r) is r
    assert as_recipe(None, lr=0.3, momentum=None) == Recipe(lr=0.3)
    with pytest.raises(TypeError, match="give a recipe or recipe keys, not both"):
        as_recipe(r, lr=0.1)
    with pytest.raises(TypeError, match="unknown recipe key 'learning_rate'"):
        as_recipe(None, learning_rate=0.1)
    with pytest.raises(TypeError, match="recipe must be a data_utils Recipe"):
        as_recipe({"lr": 0.1})


def _torch_lrs(recipe: Recipe, n_epochs: int) -> list[float]:
    from pt_deep.optim import make_scheduler
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=recipe.lr)
    sched = make_scheduler(opt, recipe, n_epochs)
    lrs = []
    for _ in range(n_epochs):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()  # no gradient: a no-op, but the order torch expects
        if sched is not None:
            sched.step()
    return lrs


@pytest.mark.parametrize("keys", [dict(), dict(lr_schedule="step", step_size=3, gamma=0.5),
                                  dict(lr_schedule="exponential", gamma=1 - 1e-4),
                                  dict(lr_schedule="exponential", gamma=0.9), dict(lr_schedule="cosine")],
                         ids=lambda k: k.get("lr_schedule", "constant") + str(k.get("gamma", "")))
def test_lr_schedule_matches_torch_scheduler(keys):
    recipe = Recipe(lr=0.05, **keys)
    n = 50
    ours = [recipe.lr_at(e, n) for e in range(n)]
    theirs = _torch_lrs(recipe, n)
    for e, (a, b) in enumerate(zip(ours, theirs)):
        assert a == pytest.approx(b, rel=1e-14, abs=1e-300), (e, a, b)
    if keys.get("lr_schedule") == "cosine":
        assert ours[0] == 0.05 and ours[-1] == pytest.approx(0.05 * (1 + math.cos(math.pi * 49 / 50)) / 2)


def test_every_optimizer_has_one_rule_on_each_side():
    from fcann2.optimizers import UPDATE_RULES
    from pt_deep.optim import _OPTIMIZERS
    assert set(UPDATE_RULES) == set(OPTIMIZERS) == set(_OPTIMIZERS)
    assert set(LR_SCHEDULES) == {"constant", "step", "exponential", "cosine"}
