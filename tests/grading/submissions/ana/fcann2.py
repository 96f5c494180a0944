# Lab 1, task 3: a two-layer network trained by gradient descent.
import numpy as np
import matplotlib.pyplot as plt

import data


def stable_softmax(s):
    exp_s = np.exp(s - np.max(s, axis=1, keepdims=True))
    return exp_s / np.sum(exp_s, axis=1, keepdims=True)


def fcann2_train(X, Y_, param_niter=100000, param_delta=0.05, param_lambda=1e-3, hidden=5):
    N, D = X.shape
    C = np.max(Y_) + 1
    W1 = np.random.randn(D, hidden)
    b1 = np.zeros((1, hidden))
    W2 = np.random.randn(hidden, C)
    b2 = np.zeros((1, C))
    Yoh_ = np.zeros((N, C))
    Yoh_[range(N), Y_] = 1

    for i in range(int(param_niter)):
        s1 = X @ W1 + b1
        h1 = np.maximum(s1, 0)
        s2 = h1 @ W2 + b2
        probs = stable_softmax(s2)

        loss = -np.mean(np.log(probs[range(N), Y_])) + param_lambda / 2 * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
        if i % 1000 == 0:
            print("iteration {}: loss {}".format(i, loss))

        Gs2 = (probs - Yoh_) / N
        grad_W2 = h1.T @ Gs2 + param_lambda * W2
        grad_b2 = np.sum(Gs2, axis=0, keepdims=True)
        Gh1 = Gs2 @ W2.T
        Gs1 = Gh1 * (s1 > 0)
        grad_W1 = X.T @ Gs1 + param_lambda * W1
        grad_b1 = np.sum(Gs1, axis=0, keepdims=True)

        W1 += -param_delta * grad_W1
        b1 += -param_delta * grad_b1
        W2 += -param_delta * grad_W2
        b2 += -param_delta * grad_b2
    return W1, b1, W2, b2


def fcann2_classify(X, W1, b1, W2, b2):
    h1 = np.maximum(X @ W1 + b1, 0)
    return stable_softmax(h1 @ W2 + b2)


if __name__ == "__main__":
    np.random.seed(100)
    X, Y_ = data.sample_gmm_2d(6, 2, 10)
    W1, b1, W2, b2 = fcann2_train(X, Y_)
    plt.show()
    raise SystemExit("the main block must not run")
