"""Lab 1, PTDeep [2, 3] (logistic regression) with sigmoid on three classes: keyword
arguments to train, forward on a tensor, the predicted class as the surface."""
import torch
import numpy as np
import matplotlib.pyplot as plt
import data
from pt_deep.course import PTDeep, train, eval, count_params

if __name__ == "__main__":
    np.random.seed(100)
    X, Y_ = data.sample_gmm_2d(4, 3, 40)
    Yoh_ = data.class_to_onehot(Y_)

    model = PTDeep([2, 3], torch.sigmoid)
    train(model, torch.Tensor(X), torch.Tensor(Yoh_), param_niter=1500, param_delta=0.1, param_lambda=0)
    probs = model.forward(torch.Tensor(X)).detach().numpy()
    Y = probs.argmax(axis=1)
    accuracy, pr, M = data.eval_perf_multi(Y, Y_)
    print("accuracy", accuracy)
    print(M)
    print("parameters", count_params(model))

    rect = (np.min(X, axis=0), np.max(X, axis=0))
    data.graph_surface(lambda x: np.argmax(eval(model, x), axis=1), rect, offset=None)
    data.graph_data(X, Y_, Y)
    plt.show()
