"""Lab 1, PTDeep trained by the student's own loop: get_loss, the weights list for the
L2 penalty, torch.optim.SGD on model.parameters(), printing the loss every 500 steps."""
from pt_deep.course import *

if __name__ == "__main__":
    np.random.seed(100)
    torch.manual_seed(0)
    X, Y_ = data.sample_gauss_2d(2, 50)
    X_t = torch.tensor(X, dtype=torch.float32)
    Yoh_t = torch.tensor(data.class_to_onehot(Y_), dtype=torch.float32)

    model = PTDeep([2, 5, 2], torch.tanh)
    optimizer = optim.SGD(model.parameters(), lr=0.1)
    param_lambda = 1e-3
    for i in range(1501):
        loss = model.get_loss(X_t, Yoh_t) + param_lambda * sum(torch.sum(W ** 2) for W in model.weights)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if i % 500 == 0:
            print(f"iteration {i}: loss {loss.item():.4f}")
    print("biases", [tuple(b.shape) for b in model.biases])

    Y = eval(model, X).argmax(axis=1)
    print("accuracy", data.eval_perf_binary(Y, Y_)[0])
    rect = (np.min(X, axis=0), np.max(X, axis=0))
    data.graph_surface(lambda x: eval(model, x)[:, 1], rect)
    data.graph_data(X, Y_, Y)
    plt.show()
