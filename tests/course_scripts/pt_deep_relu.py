"""Lab 1, PTDeep [2, 10, 10, 2] with ReLU on sample_gmm_2d(4, 2, 40): float32 tensors,
one-hot labels, train / eval / count_params as the lab's driver block calls them."""
from pt_deep.course import *  # the course import: PTDeep, train, eval, count_params, torch, np, plt, data

if __name__ == "__main__":
    np.random.seed(100)
    torch.manual_seed(100)

    X, Y_ = data.sample_gmm_2d(4, 2, 40)
    print("class counts", np.bincount(Y_, minlength=2))
    Yoh_ = data.class_to_onehot(Y_)

    ptd = PTDeep([2, 10, 10, 2], torch.relu)
    X_t, Yoh_t = torch.Tensor(X), torch.Tensor(Yoh_)
    print("loss before", ptd.get_loss(X_t, Yoh_t).item())
    train(ptd, X_t, Yoh_t, 2000, 0.1, 1e-4)
    print("loss after", ptd.get_loss(X_t, Yoh_t).item())

    probs = eval(ptd, X)
    Y = np.argmax(probs, axis=1)
    accuracy, pr, M = data.eval_perf_multi(Y, Y_)
    print("accuracy", accuracy)
    for c, (recall, precision) in enumerate(pr):
        print("class", c, "recall", recall, "precision", precision)
    count_params(ptd)

    rect = (np.min(X, axis=0), np.max(X, axis=0))
    data.graph_surface(lambda X: eval(ptd, X)[:, 1], rect, offset=0.5)
    data.graph_data(X, Y_, Y, special=[])
    plt.show()
