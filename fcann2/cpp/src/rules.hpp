// The recipe's update rules (torch.optim's single-tensor formulas, as fcann2/optimizers.py):
// theta updated in place from the gradient g (weight decay already added to the weights).
// Hyperparameters arrive as doubles (Python floats) and are rounded to T where fcann2's NumPy
// expressions meet a float32 array; bias corrections are computed in double, as in Python.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

namespace fc {

enum Optimizer { SGD = 0, RMSPROP = 1, ADAM = 2 };

template <class T>
struct Rule {
    int kind;
    double momentum, alpha, eps, beta1, beta2, weight_decay;
    bool nesterov;
    int64_t size, t = 0;
    bool started = false;                // SGD: the momentum buffer holds the first gradient
    std::vector<T> buf, square_avg, exp_avg;

    Rule(int kind_, int64_t size_, double momentum_, int nesterov_, double alpha_, double eps_, double beta1_,
         double beta2_, double weight_decay_)
        : kind(kind_), momentum(momentum_), alpha(alpha_), eps(eps_), beta1(beta1_), beta2(beta2_),
          weight_decay(weight_decay_), nesterov(nesterov_ != 0), size(size_) {
        if (momentum != 0.0) buf.assign(size, T(0));
        if (kind != SGD) square_avg.assign(size, T(0));
        if (kind == ADAM) exp_avg.assign(size, T(0));
    }

    void update(T* theta, const T* g, double lr) {
        switch (kind) {
            case SGD: sgd(theta, g, lr); break;
            case RMSPROP: rmsprop(theta, g, lr); break;
            default: adam(theta, g, lr); break;
        }
    }

    // theta -= lr * d; d = g, or buf = mu * buf + g (buf = g at the first step), d = buf or g + mu * buf
    void sgd(T* theta, const T* g, double lr_) {
        const T lr = T(lr_), mu = T(momentum);
        if (momentum == 0.0) {
            for (int64_t p = 0; p < size; ++p) theta[p] -= g[p] * lr;
            return;
        }
        T* b = buf.data();
        if (!started) {
            for (int64_t p = 0; p < size; ++p) b[p] = g[p];
            started = true;
        } else {
            for (int64_t p = 0; p < size; ++p) b[p] = b[p] * mu + g[p];
        }
        if (nesterov) {
            for (int64_t p = 0; p < size; ++p) theta[p] -= (b[p] * mu + g[p]) * lr;
        } else {
            for (int64_t p = 0; p < size; ++p) theta[p] -= b[p] * lr;
        }
    }

    // v = alpha v + (1 - alpha) g^2, a = sqrt(v) + eps; theta -= lr g / a, or with momentum
    // buf = mu buf + g / a, theta -= lr buf
    void rmsprop(T* theta, const T* g, double lr) {
        const T a = T(alpha), one_minus_a = T(1.0 - alpha), e = T(eps), neg_lr = T(-lr), mu = T(momentum);
        T* v = square_avg.data();
        for (int64_t p = 0; p < size; ++p) {
            v[p] = v[p] * a + g[p] * one_minus_a * g[p];
            const T avg = std::sqrt(v[p]) + e;
            if (momentum != 0.0) {
                buf[p] = buf[p] * mu + g[p] / avg;
                theta[p] += buf[p] * neg_lr;
            } else {
                theta[p] += g[p] * neg_lr / avg;
            }
        }
    }

    // m += (1 - beta1)(g - m), v = beta2 v + (1 - beta2) g^2,
    // theta -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    void adam(T* theta, const T* g, double lr) {
        ++t;
        const double bias_correction1 = 1.0 - std::pow(beta1, double(t));
        const double bias_correction2_sqrt = std::pow(1.0 - std::pow(beta2, double(t)), 0.5);
        const T one_minus_b1 = T(1.0 - beta1), b2 = T(beta2), one_minus_b2 = T(1.0 - beta2), e = T(eps);
        const T bc2 = T(bias_correction2_sqrt), step = T(-lr / bias_correction1);
        T* m = exp_avg.data();
        T* v = square_avg.data();
        for (int64_t p = 0; p < size; ++p) {
            m[p] += (g[p] - m[p]) * one_minus_b1;
            v[p] = v[p] * b2 + g[p] * one_minus_b2 * g[p];
            const T denom = std::sqrt(v[p]) / bc2 + e;
            theta[p] += m[p] * step / denom;
        }
    }
};

}  // namespace fc
