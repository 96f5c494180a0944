// The network of the shared contract, written from scratch: layers W (out, in), b (out,),
// z = W x + b, hidden activations, softmax cross-entropy from logits (log-sum-exp) or MSE,
// explicit forward and backward passes over a batch of rows of X (n, D), sample-major.
//
// Parameters and gradients live in two flat buffers owned by the caller (Python / NumPy),
// in fcann2.MLP's layout: all weights layer by layer, then all biases. The order of
// operations follows fcann2 (fcann2/functional.py) wherever rounding depends on it; sums
// over a row use partial sums that the compiler can vectorise (like BLAS, a different
// summation order than a sequential loop: results agree to rounding, ~1e-16 relative).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#if defined(_MSC_VER)
#define FC_RESTRICT __restrict
#else
#define FC_RESTRICT __restrict__   // the kernels' operands never overlap: no runtime alias checks
#endif

namespace fc {

enum Activation { RELU = 0, LEAKY_RELU = 1, SIGMOID = 2, TANH = 3, IDENTITY = 4 };
enum Loss { CROSS_ENTROPY = 0, MSE = 1 };

// sum_i a[i] * b[i]: sequential below K terms, else K interleaved partial sums (SIMD).
template <class T>
inline T dot(const T* FC_RESTRICT a, const T* FC_RESTRICT b, int64_t n) {
    constexpr int K = 64 / sizeof(T);  // 8 doubles or 16 floats: 4 SSE registers of sums
    if (n < K) {
        T s = 0;
        for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
        return s;
    }
    T acc[K] = {};
    int64_t i = 0;
    for (; i + K <= n; i += K)
        for (int k = 0; k < K; ++k) acc[k] += a[i + k] * b[i + k];
    for (int k = 0; i < n; ++i, ++k) acc[k] += a[i] * b[i];
    for (int w = K / 2; w > 0; w /= 2)
        for (int k = 0; k < w; ++k) acc[k] += acc[k + w];
    return acc[0];
}

// y += s * x
template <class T>
inline void axpy(T* FC_RESTRICT y, T s, const T* FC_RESTRICT x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += s * x[i];
}

// y = s * x (the first term of a sum: the same value as 0 + s * x, without clearing y first)
template <class T>
inline void scale(T* FC_RESTRICT y, T s, const T* FC_RESTRICT x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] = s * x[i];
}

template <class T>
struct Net {
    int L, act, loss;
    T slope;
    std::vector<int64_t> sizes, w_off, b_off;
    int64_t n_weights = 0, n_params = 0, max_width = 0;
    T* theta;
    T* grad;
    // per-batch work: pre-activations z[l] and activations h[l] (n, out_l), deltas (n, max width)
    std::vector<std::vector<T>> z, h;
    std::vector<T> d_up, d_down;
    std::vector<const T*> rows;  // the batch's input rows
    int64_t cap = 0;

    Net(int n_layers, const int64_t* sz, int activation, double negative_slope, int loss_kind, T* th, T* gr)
        : L(n_layers), act(activation), loss(loss_kind), slope(T(negative_slope)), sizes(sz, sz + n_layers + 1),
          theta(th), grad(gr), z(n_layers), h(n_layers) {
        for (int l = 0; l < L; ++l) {
            w_off.push_back(n_weights);
            n_weights += sizes[l + 1] * sizes[l];
        }
        n_params = n_weights;
        for (int l = 0; l < L; ++l) {
            b_off.push_back(n_params);
            n_params += sizes[l + 1];
        }
        max_width = *std::max_element(sizes.begin(), sizes.end());
    }

    int64_t in(int l) const { return sizes[l]; }
    int64_t out(int l) const { return sizes[l + 1]; }
    int64_t classes() const { return sizes[L]; }
    const T* input(int l, int64_t s) const { return l ? &h[l - 1][s * in(l)] : rows[s]; }
    T* logits() { return z[L - 1].data(); }

    void reserve(int64_t n) {
        if (n <= cap) return;
        for (int l = 0; l < L; ++l) {
            z[l].resize(n * out(l));
            if (l < L - 1) h[l].resize(n * out(l));
        }
        d_up.resize(n * max_width);
        d_down.resize(n * max_width);
        rows.resize(n);
        cap = n;
    }

    // rows[s] = X[idx[s]] (idx null: rows 0..n-1)
    void gather(const T* X, const int64_t* idx, int64_t n) {
        reserve(n);
        const int64_t D = sizes[0];
        for (int64_t s = 0; s < n; ++s) rows[s] = X + (idx ? idx[s] : s) * D;
    }

    void activate(const T* x, T* y, int64_t m) const {
        switch (act) {
            case RELU: for (int64_t i = 0; i < m; ++i) y[i] = x[i] < T(0) ? T(0) : x[i]; break;  // NaN stays NaN
            case LEAKY_RELU: for (int64_t i = 0; i < m; ++i) y[i] = x[i] > T(0) ? x[i] : slope * x[i]; break;
            case SIGMOID:  // fcann2's tanh form: (tanh(x / 2) + 1) / 2
                for (int64_t i = 0; i < m; ++i) y[i] = (std::tanh(x[i] * T(0.5)) + T(1)) * T(0.5);
                break;
            case TANH: for (int64_t i = 0; i < m; ++i) y[i] = std::tanh(x[i]); break;
            default: std::copy(x, x + m, y);
        }
    }

    static void relu_backward(T* FC_RESTRICT d, const T* FC_RESTRICT y, int64_t m) {
        for (int64_t i = 0; i < m; ++i) d[i] *= y[i] > T(0) ? T(1) : T(0);
    }

    // d *= act'(x) in place, from the pre-activation x and the activation y
    void activate_backward(T* d, const T* x, const T* y, int64_t m) const {
        switch (act) {
            case RELU: relu_backward(d, y, m); break;
            case LEAKY_RELU: for (int64_t i = 0; i < m; ++i) d[i] = x[i] > T(0) ? d[i] : slope * d[i]; break;
            case SIGMOID: for (int64_t i = 0; i < m; ++i) d[i] = d[i] * y[i] * (T(1) - y[i]); break;
            case TANH: for (int64_t i = 0; i < m; ++i) d[i] *= T(1) - y[i] * y[i]; break;
            default: break;
        }
    }

    // z[l] = rows W^T + b, h[l] = act(z[l]) for the n gathered rows; the logits in z[L-1]
    void forward(int64_t n) {
        for (int l = 0; l < L; ++l) {
            const int64_t I = in(l), O = out(l);
            const T* W = theta + w_off[l];
            const T* b = theta + b_off[l];
            T* zl = z[l].data();
            for (int64_t o = 0; o < O; ++o)   // a row of W stays in cache over the batch
                for (int64_t s = 0; s < n; ++s) zl[s * O + o] = dot(W + o * I, input(l, s), I) + b[o];
            if (l < L - 1) activate(zl, h[l].data(), n * O);
        }
    }

    // Sum over the batch of the per-sample losses of the logits (the mean's numerator,
    // MSE: of the squared errors); with grad_out, d_up = d(mean loss)/d(logits).
    T loss_sum(int64_t n, const void* targets, const int64_t* idx, T* grad_out) {
        const int64_t C = classes();
        const T* zo = logits();
        T total = 0;
        if (loss == CROSS_ENTROPY) {
            const int64_t* labels = static_cast<const int64_t*>(targets);
            const T inv_n = T(1.0 / double(n));
            std::vector<T> e_row(grad_out ? 0 : C);
            for (int64_t s = 0; s < n; ++s) {
                const T* zs = zo + s * C;
                T* e = grad_out ? grad_out + s * C : e_row.data();
                T m = zs[0];
                for (int64_t c = 1; c < C; ++c) m = (zs[c] > m || zs[c] != zs[c]) ? zs[c] : m;  // NaN wins
                const int64_t y = labels[idx ? idx[s] : s];
                for (int64_t c = 0; c < C; ++c) e[c] = zs[c] - m;
                const T label_logit = e[y];
                T sum = 0;
                for (int64_t c = 0; c < C; ++c) sum += e[c] = std::exp(e[c]);
                total += std::log(sum) - label_logit;
                if (grad_out) {
                    const T sn = sum * T(n);
                    for (int64_t c = 0; c < C; ++c) e[c] /= sn;
                    e[y] -= inv_n;
                }
            }
        } else {
            const T* t = static_cast<const T*>(targets);
            const T scale = T(2.0 / double(n * C));
            for (int64_t s = 0; s < n; ++s) {
                const T* ts = t + (idx ? idx[s] : s) * C;
                for (int64_t c = 0; c < C; ++c) {
                    const T diff = zo[s * C + c] - ts[c];
                    total += diff * diff;
                    if (grad_out) grad_out[s * C + c] = diff * scale;
                }
            }
        }
        return total;
    }

    // mean data loss of the batch (rows already gathered) and every gradient into grad
    double loss_and_grad(int64_t n, const void* targets, const int64_t* idx) {
        forward(n);
        const T total = loss_sum(n, targets, idx, d_up.data());
        backward(n);
        return loss == CROSS_ENTROPY ? double(total / T(n)) : double(total) / double(n * classes());
    }

    void backward(int64_t n) {
        T* d = d_up.data();
        T* below = d_down.data();
        for (int l = L - 1; l >= 0; --l) {
            const int64_t I = in(l), O = out(l);
            T* dW = grad + w_off[l];
            T* db = grad + b_off[l];
            const T* W = theta + w_off[l];
            if (n == 1 && I < 8) {   // one sample, few inputs: the outer product d x^T column by column
                const T* x = input(l, 0);  // (fewer, longer loops than one per row of W)
                for (int64_t i = 0; i < I; ++i)
                    for (int64_t o = 0; o < O; ++o) dW[o * I + i] = d[o] * x[i];
                std::copy(d, d + O, db);
            } else {
                for (int64_t o = 0; o < O; ++o) {   // dW = sum_s d_s x_s^T, db = sum_s d_s
                    T* row = dW + o * I;
                    scale(row, d[o], input(l, 0), I);
                    T bias = d[o];
                    for (int64_t s = 1; s < n; ++s) {
                        axpy(row, d[s * O + o], input(l, s), I);
                        bias += d[s * O + o];
                    }
                    db[o] = bias;
                }
            }
            if (!l) break;
            for (int64_t s = 0; s < n; ++s) {   // delta below = (W^T d_s) * act'(z)
                T* ds = below + s * I;
                const T* dso = d + s * O;
                scale(ds, dso[0], W, I);
                for (int64_t o = 1; o < O; ++o) axpy(ds, dso[o], W + o * I, I);
                activate_backward(ds, &z[l - 1][s * I], &h[l - 1][s * I], I);
            }
            std::swap(d, below);
        }
    }

    // (weight_decay / 2) * sum ||W||^2
    double penalty(double weight_decay) const {
        return 0.5 * weight_decay * double(dot(theta, theta, n_weights));
    }

    // g_W += weight_decay * W
    void decay(double weight_decay) {
        const T wd = T(weight_decay);
        for (int64_t p = 0; p < n_weights; ++p) grad[p] += theta[p] * wd;
    }
};

}  // namespace fc
