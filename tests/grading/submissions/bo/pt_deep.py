# Lab 1, task 5: a deep model in PyTorch.
import numpy as np
import torch
import torch.nn as nn


class PTDeep(nn.Module):
    def __init__(self, config, activation=torch.relu):
        super().__init__()
        self.weights = nn.ParameterList([nn.Parameter(torch.randn(config[i], config[i + 1]))
                                         for i in range(len(config) - 1)])
        self.biases = nn.ParameterList([nn.Parameter(torch.zeros(config[i + 1])) for i in range(len(config) - 1)])
        self.activation = activation

    def forward(self, X):
        h = X
        for W, b in list(zip(self.weights, self.biases))[:-1]:
            h = self.activation(h @ W + b)
        return torch.softmax(h @ self.weights[-1] + self.biases[-1], dim=1)

    def get_loss(self, X, Yoh_):
        return -torch.mean(torch.sum(Yoh_ * torch.log(self.forward(X)), dim=1))


def train(model, X, Yoh_, param_niter, param_delta, param_lambda=0):
    X = torch.as_tensor(X, dtype=torch.float32)
    Yoh_ = torch.as_tensor(Yoh_, dtype=torch.float32)
    optimizer = torch.optim.SGD(model.parameters(), lr=param_delta)
    for i in range(param_niter):
        loss = model.get_loss(X, Yoh_) + param_lambda / 2 * sum(torch.sum(W ** 2) for W in model.weights)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if i % 100 == 0:
            print(f"step {i} loss {loss.item():.5f}")


def eval(model, X):
    with torch.no_grad():
        return model(torch.as_tensor(X, dtype=torch.float32)).numpy()


if __name__ == "__main__":
    input("press enter")
