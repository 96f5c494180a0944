import pytest

TINY = """
name = "tiny"
description = "a tiny sweep for tests"

[data]
dataset = "gauss"
params = {{ C = 2, N = 20 }}
standardize = true

[model]
hidden = [3]

[train]
lr = 0.1
batch_size = 8
epochs = {epochs}

[output]
plot_resolution = 30

[sweep]
model.hidden = [3, 5]
train.lr = [0.1, 0.5]
seed = [0, 1]
impl = ["numpy", "torch"]
"""


@pytest.fixture
def tiny_config(tmp_path):
    def make(epochs=5, extra=""):
        path = tmp_path / "tiny.toml"
        path.write_text(TINY.format(epochs=epochs) + extra)
        return path
    return make
