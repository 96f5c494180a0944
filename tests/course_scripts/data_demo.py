"""Lab 1, data.py's own demo as a student runs it: the dummy decision on sample_gmm_2d(4, 2, 30)."""
import numpy as np
import matplotlib.pyplot as plt
import data

if __name__ == "__main__":
    np.random.seed(100)
    X, Y_ = data.sample_gmm_2d(4, 2, 30)
    Y = data.myDummyDecision(X) > 0.5
    print("accuracy, recall, precision", data.eval_perf_binary(Y, Y_))
    print("AP", data.eval_AP(Y_[data.myDummyDecision(X).argsort()]))
    G = data.Random2DGaussian()
    print("sample shape", G.get_sample(100).shape)
    rect = (np.min(X, axis=0), np.max(X, axis=0))
    data.graph_surface(data.myDummyDecision, rect, offset=0)
    data.graph_data(X, Y_, Y, special=[])
    plt.show()
