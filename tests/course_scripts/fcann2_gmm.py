"""Lab 1, fcann2: two-layer network on sample_gmm_2d(6, 2, 10), the lab's driver block."""
from fcann2.course import *  # the course import: fcann2_train, fcann2_classify, np, plt, data

if __name__ == "__main__":
    np.random.seed(100)

    # get the training dataset
    X, Y_ = data.sample_gmm_2d(6, 2, 10)

    # train the model (the lab's hyperparameters, fewer iterations)
    params = fcann2_train(X, Y_, param_niter=3000, param_delta=0.05, param_lambda=1e-3, hidden=5)

    # evaluate the model on the training dataset
    probs = fcann2_classify(X, params)
    Y = np.argmax(probs, axis=1)
    accuracy, recall, precision = data.eval_perf_binary(Y, Y_)
    print("accuracy", accuracy, "recall", recall, "precision", precision)
    print("AP", data.eval_AP(Y_[probs[:, 1].argsort()]))

    # graph the decision surface
    decfun = lambda X: fcann2_classify(X, params)[:, 1]
    rect = (np.min(X, axis=0), np.max(X, axis=0))
    data.graph_surface(decfun, rect, offset=0.5)

    # graph the data points
    data.graph_data(X, Y_, Y, special=[])
    plt.show()
