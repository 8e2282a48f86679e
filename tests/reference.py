"""Straightforward reference implementations, written for clarity only, to test the fast layers.

Loops over output positions and windows; float64 throughout. Nothing here is used by the library.
"""

import numpy as np


def conv2d(x, kernel, bias, stride=1, padding="valid"):
    """Cross-correlation of x (N, H, W, C) with kernel (KH, KW, C, F), one output pixel at a time."""
    kh, kw, _, filters = kernel.shape
    if padding == "same":
        x = pad_same(x, kh, kw, stride)
    n, h, w, _ = x.shape
    out_h, out_w = (h - kh) // stride + 1, (w - kw) // stride + 1
    out = np.zeros((n, out_h, out_w, filters))
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, i * stride:i * stride + kh, j * stride:j * stride + kw, :]
            out[:, i, j, :] = np.einsum("nhwc,hwcf->nf", patch, kernel)
    return out + (0 if bias is None else bias)


def pad_same(x, kh, kw, stride):
    n, h, w, c = x.shape
    pads = []
    for size, k in ((h, kh), (w, kw)):
        out = -(-size // stride)
        total = max((out - 1) * stride + k - size, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))


def max_pool(x, pool, stride):
    """Max over each window, one window at a time."""
    n, h, w, c = x.shape
    out_h, out_w = (h - pool[0]) // stride[0] + 1, (w - pool[1]) // stride[1] + 1
    out = np.zeros((n, out_h, out_w, c))
    for i in range(out_h):
        for j in range(out_w):
            window = x[:, i * stride[0]:i * stride[0] + pool[0], j * stride[1]:j * stride[1] + pool[1]]
            out[:, i, j] = window.max(axis=(1, 2))
    return out


def max_pool_backward(x, grad_out, pool, stride):
    """Route each window's gradient to its first maximum in column-major order (the leftmost
    column holding the maximum, the top one in it), one window at a time."""
    n, h, w, c = x.shape
    grad_x = np.zeros_like(x, dtype=np.float64)
    for i in range(grad_out.shape[1]):
        for j in range(grad_out.shape[2]):
            r, s = i * stride[0], j * stride[1]
            window = x[:, r:r + pool[0], s:s + pool[1]].transpose(0, 2, 1, 3).reshape(n, -1, c)
            first = window.argmax(axis=1)                       # (n, c), column-major index
            b, a = np.unravel_index(first, (pool[1], pool[0]))
            for sample in range(n):
                for channel in range(c):
                    grad_x[sample, r + a[sample, channel], s + b[sample, channel], channel] += \
                        grad_out[sample, i, j, channel]
    return grad_x


def conv2d_backward(x, kernel, grad_out, stride=1, padding="valid"):
    """(dx, dkernel, dbias) of conv2d, accumulated one output pixel at a time."""
    kh, kw, _, _ = kernel.shape
    xp = pad_same(x, kh, kw, stride) if padding == "same" else x
    grad_xp = np.zeros_like(xp, dtype=np.float64)
    grad_kernel = np.zeros_like(kernel, dtype=np.float64)
    for i in range(grad_out.shape[1]):
        for j in range(grad_out.shape[2]):
            r, s = i * stride, j * stride
            patch = xp[:, r:r + kh, s:s + kw, :]
            g = grad_out[:, i, j, :]                                   # (n, f)
            grad_kernel += np.einsum("nhwc,nf->hwcf", patch, g)
            grad_xp[:, r:r + kh, s:s + kw, :] += np.einsum("hwcf,nf->nhwc", kernel, g)
    if padding == "same":
        top = (grad_xp.shape[1] - x.shape[1]) // 2
        left = (grad_xp.shape[2] - x.shape[2]) // 2
        grad_xp = grad_xp[:, top:top + x.shape[1], left:left + x.shape[2]]
    return grad_xp, grad_kernel, grad_out.sum(axis=(0, 1, 2))


def reference_cnn_gradients(params, masks, x, labels):
    """Loss and gradients of the reference CNN, written out layer by layer with the loops above.

    ``params`` maps "conv2d/kernel" ... to float64 arrays; ``masks`` are the two dropout layers'
    scaled masks, so that the result is comparable with one training step of the fast model.
    """
    k1, b1 = params["conv2d/kernel"], params["conv2d/bias"]
    k2, b2 = params["conv2d_1/kernel"], params["conv2d_1/bias"]
    w3, b3 = params["dense/kernel"], params["dense/bias"]
    w4, b4 = params["dense_1/kernel"], params["dense_1/bias"]
    z1 = conv2d(x, k1, b1)
    a1 = np.maximum(z1, 0)
    z2 = conv2d(a1, k2, b2)
    a2 = np.maximum(z2, 0)
    p = max_pool(a2, (2, 2), (2, 2))
    d1 = p * masks[0]
    f = d1.reshape(len(x), -1)
    z3 = f @ w3 + b3
    a3 = np.maximum(z3, 0)
    d2 = a3 * masks[1]
    logits = d2 @ w4 + b4
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = len(x)
    loss = -log_probs[np.arange(n), labels].mean()
    g = np.exp(log_probs)
    g[np.arange(n), labels] -= 1
    g /= n
    grads = {"dense_1/kernel": d2.T @ g, "dense_1/bias": g.sum(0)}
    g = (g @ w4.T) * masks[1] * (z3 > 0)
    grads["dense/kernel"], grads["dense/bias"] = f.T @ g, g.sum(0)
    g = ((g @ w3.T).reshape(d1.shape) * masks[0])
    g = max_pool_backward(a2, g, (2, 2), (2, 2)) * (z2 > 0)
    g, grads["conv2d_1/kernel"], grads["conv2d_1/bias"] = conv2d_backward(a1, k2, g)
    g = g * (z1 > 0)
    _, grads["conv2d/kernel"], grads["conv2d/bias"] = conv2d_backward(x, k1, g)
    return loss, grads
