"""Lab 1, fcann2 in the other common style: `from data import *`, the older `sample_gmm`,
the weights as separate arrays, the probability form of graph_surface and offset=None."""
import numpy as np
import matplotlib.pyplot as plt
from data import *
from fcann2.course import fcann2_train, fcann2_classify

if __name__ == "__main__":
    np.random.seed(100)
    X, Y_ = sample_gmm(6, 2, 10)
    (W1, b1), (W2, b2) = fcann2_train(X, Y_, 2000, 0.05, 1e-3)

    probs = fcann2_classify(X, W1, b1, W2, b2)
    Y = probs.argmax(axis=1)
    accuracy, pr, M = eval_perf_multi(Y, Y_)
    print("accuracy:", accuracy)
    print("confusion matrix:\n", M)

    rect = (np.min(X, axis=0), np.max(X, axis=0))
    plt.figure()
    graph_surface(lambda X: fcann2_classify(X, W1, b1, W2, b2), rect, offset=0.5)  # (n, 2) probabilities
    graph_data(X, Y_, Y)
    plt.figure()
    graph_surface(lambda X: fcann2_classify(X, W1, b1, W2, b2)[:, 1] - 0.5, rect, offset=None)
    graph_data(X, Y_, Y, special=[0, 1])
    plt.show()
