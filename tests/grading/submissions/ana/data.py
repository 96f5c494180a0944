# ana's own data module (the lab's task 1); the grader must import this one, not the project's.
import numpy as np

STUDENT_DATA = True


def sample_gmm_2d(K, C, N):
    X = np.vstack([np.random.randn(N, 2) + np.random.rand(2) * 10 for _ in range(K)])
    Y = np.repeat(np.random.randint(C, size=K), N)
    return X, Y
