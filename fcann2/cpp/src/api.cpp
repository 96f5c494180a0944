// The C ABI of the C++ network (loaded with ctypes by fcann2/cpp/_lib.py): opaque handles to
// a network over caller-owned parameter/gradient buffers and to an update rule's state, and
// the calls of the shared training loop's stepper - loss and gradients of a batch, one update,
// one epoch of per-sample steps, a forward pass for evaluation. Every array is C-contiguous,
// of the network's dtype (labels int64); dtype 0 is float64, 1 float32.
#include <cmath>
#include <cstdint>
#include <new>

#include "net.hpp"
#include "rules.hpp"

namespace {

struct Handle {
    int dtype;
    void* net;
};

struct RuleHandle {
    int dtype;
    void* rule;
};

template <class T>
fc::Net<T>& net_of(void* h) { return *static_cast<fc::Net<T>*>(static_cast<Handle*>(h)->net); }

template <class T>
fc::Rule<T>& rule_of(void* r) { return *static_cast<fc::Rule<T>*>(static_cast<RuleHandle*>(r)->rule); }

int dtype_of(void* h) { return static_cast<Handle*>(h)->dtype; }

template <class T>
double loss_grad(void* h, const void* X, const int64_t* idx, int64_t n, const void* targets, double weight_decay) {
    fc::Net<T>& net = net_of<T>(h);
    net.gather(static_cast<const T*>(X), idx, n);
    double loss = net.loss_and_grad(n, targets, idx);
    if (weight_decay != 0.0) loss += net.penalty(weight_decay);
    return loss;
}

template <class T>
void step(void* h, void* r, double lr) {
    fc::Net<T>& net = net_of<T>(h);
    fc::Rule<T>& rule = rule_of<T>(r);
    if (rule.weight_decay != 0.0) net.decay(rule.weight_decay);
    rule.update(net.theta, net.grad, lr);
}

template <class T>
int64_t run_samples(void* h, void* r, const void* X, const void* targets, const int64_t* samples, int64_t count,
                    double lr, double* losses) {
    fc::Net<T>& net = net_of<T>(h);
    const double wd = rule_of<T>(r).weight_decay;
    for (int64_t k = 0; k < count; ++k) {
        net.gather(static_cast<const T*>(X), samples + k, 1);
        double loss = net.loss_and_grad(1, targets, samples + k);
        if (wd != 0.0) loss += net.penalty(wd);
        losses[k] = loss;
        if (!std::isfinite(loss)) return k + 1;
        step<T>(h, r, lr);
    }
    return count;
}

// outputs (n, C) of rows X, logits or (probs) softmax probabilities; with targets the mean
// data loss (else 0); in chunks of rows, so memory does not grow with n
template <class T>
double forward(void* h, const void* X, int64_t n, const void* targets, void* out, int probs) {
    fc::Net<T>& net = net_of<T>(h);
    const int64_t C = net.classes(), chunk = 1024;
    const T* x = static_cast<const T*>(X);
    T* o = static_cast<T*>(out);
    T total = 0;
    double mse_total = 0;
    for (int64_t start = 0; start < n; start += chunk) {
        const int64_t m = n - start < chunk ? n - start : chunk;
        net.gather(x + start * net.sizes[0], nullptr, m);
        net.forward(m);
        const T* z = net.logits();
        if (targets) {
            const void* t = net.loss == fc::CROSS_ENTROPY
                                ? static_cast<const void*>(static_cast<const int64_t*>(targets) + start)
                                : static_cast<const void*>(static_cast<const T*>(targets) + start * C);
            const T part = net.loss_sum(m, t, nullptr, nullptr);
            if (net.loss == fc::CROSS_ENTROPY) total += part; else mse_total += double(part);
        }
        for (int64_t s = 0; s < m; ++s) {
            const T* zs = z + s * C;
            T* os = o + (start + s) * C;
            if (!probs) {
                for (int64_t c = 0; c < C; ++c) os[c] = zs[c];
                continue;
            }
            T mx = zs[0];
            for (int64_t c = 1; c < C; ++c) mx = (zs[c] > mx || zs[c] != zs[c]) ? zs[c] : mx;
            T sum = 0;
            for (int64_t c = 0; c < C; ++c) sum += os[c] = std::exp(zs[c] - mx);
            for (int64_t c = 0; c < C; ++c) os[c] /= sum;
        }
    }
    if (!targets) return 0.0;
    return net.loss == fc::CROSS_ENTROPY ? double(total / T(n)) : mse_total / double(n * C);
}

}  // namespace

#if defined(_WIN32)
#define FC_API __declspec(dllexport)
#else
#define FC_API __attribute__((visibility("default")))
#endif

extern "C" {

FC_API int fc_abi_version() { return 1; }

FC_API void* fc_net_new(int dtype, int n_layers, const int64_t* sizes, int activation, double negative_slope, int loss,
                 void* theta, void* grad) {
    Handle* h = new (std::nothrow) Handle{dtype, nullptr};
    if (!h) return nullptr;
    try {
        if (dtype == 0)
            h->net = new fc::Net<double>(n_layers, sizes, activation, negative_slope, loss,
                                         static_cast<double*>(theta), static_cast<double*>(grad));
        else
            h->net = new fc::Net<float>(n_layers, sizes, activation, negative_slope, loss,
                                        static_cast<float*>(theta), static_cast<float*>(grad));
    } catch (...) {
        delete h;
        return nullptr;
    }
    return h;
}

FC_API void fc_net_free(void* h) {
    if (!h) return;
    if (dtype_of(h) == 0) delete &net_of<double>(h); else delete &net_of<float>(h);
    delete static_cast<Handle*>(h);
}

FC_API void* fc_rule_new(int dtype, int64_t size, int kind, double momentum, int nesterov, double alpha, double eps,
                  double beta1, double beta2, double weight_decay) {
    RuleHandle* r = new (std::nothrow) RuleHandle{dtype, nullptr};
    if (!r) return nullptr;
    try {
        if (dtype == 0)
            r->rule = new fc::Rule<double>(kind, size, momentum, nesterov, alpha, eps, beta1, beta2, weight_decay);
        else
            r->rule = new fc::Rule<float>(kind, size, momentum, nesterov, alpha, eps, beta1, beta2, weight_decay);
    } catch (...) {
        delete r;
        return nullptr;
    }
    return r;
}

FC_API void fc_rule_free(void* r) {
    if (!r) return;
    RuleHandle* rh = static_cast<RuleHandle*>(r);
    if (rh->dtype == 0) delete &rule_of<double>(r); else delete &rule_of<float>(r);
    delete rh;
}

// mean data loss (+ the L2 penalty) of rows X[idx] (idx null: rows 0..n-1); gradients in grad
FC_API double fc_loss_grad(void* h, const void* X, const int64_t* idx, int64_t n, const void* targets, double weight_decay) {
    return dtype_of(h) == 0 ? loss_grad<double>(h, X, idx, n, targets, weight_decay)
                            : loss_grad<float>(h, X, idx, n, targets, weight_decay);
}

// weight decay (g_W += lambda W) and the rule's update with learning rate lr
FC_API void fc_step(void* h, void* r, double lr) {
    if (dtype_of(h) == 0) step<double>(h, r, lr); else step<float>(h, r, lr);
}

// one step per sample index; stops after the first non-finite loss (not applied); returns
// the number of losses written
FC_API int64_t fc_run_samples(void* h, void* r, const void* X, const void* targets, const int64_t* samples, int64_t count,
                       double lr, double* losses) {
    return dtype_of(h) == 0 ? run_samples<double>(h, r, X, targets, samples, count, lr, losses)
                            : run_samples<float>(h, r, X, targets, samples, count, lr, losses);
}

FC_API double fc_forward(void* h, const void* X, int64_t n, const void* targets, void* out, int probs) {
    return dtype_of(h) == 0 ? forward<double>(h, X, n, targets, out, probs)
                            : forward<float>(h, X, n, targets, out, probs);
}

}  // extern "C"
