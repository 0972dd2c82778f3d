"""Independent numpy references and Keras-2 HDF5 writers for the model parity tests.

The HDF5 files are written with h5py in the layout of Keras-2 ``save_weights`` (root attribute
``layer_names``; one group per layer with attribute ``weight_names``; datasets at
``<layer>/<weight>:0``), with the layer names and order keras-ocr's published files have.
"""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np

BN_NAMES = ("gamma", "beta", "moving_mean", "moving_variance")


def write_keras2_h5(path: Path, layers: list[tuple[str, list[tuple[str, np.ndarray]]]]) -> Path:
    """``layers``: every layer of the model in order, ``[]`` weights for layers without any."""
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([n.encode() for n, _ in layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.2.4-tf"
        for name, weights in layers:
            group = f.create_group(name)
            group.attrs["weight_names"] = np.array([w.encode() for w, _ in weights], dtype="S")
            for weight_name, value in weights:
                group.create_dataset(weight_name, data=value)
    return path


# ----------------------------------------------------------------------------- numpy ops


def conv2d(x: np.ndarray, kernel: np.ndarray, bias: np.ndarray, dilation: int = 1) -> np.ndarray:
    """'same' convolution, stride 1, NHWC / HWIO."""
    kh, kw = kernel.shape[:2]
    ph, pw = dilation * (kh - 1) // 2, dilation * (kw - 1) // 2
    padded = np.pad(x, ((0, 0), (ph, ph), (pw, pw), (0, 0)))
    h, w = x.shape[1:3]
    out = np.zeros((*x.shape[:3], kernel.shape[-1]), "float64")
    for i in range(kh):
        for j in range(kw):
            patch = padded[:, i * dilation : i * dilation + h, j * dilation : j * dilation + w]
            out += patch @ kernel[i, j]
    return out + bias


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def batchnorm(x: np.ndarray, gamma, beta, mean, var, eps: float) -> np.ndarray:
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def maxpool(x: np.ndarray, ph: int, pw: int) -> np.ndarray:
    b, h, w, c = x.shape
    h2, w2 = h // ph, w // pw
    return x[:, : h2 * ph, : w2 * pw].reshape(b, h2, ph, w2, pw, c).max(axis=(2, 4))


def maxpool3_same(x: np.ndarray) -> np.ndarray:
    padded = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)), constant_values=-np.inf)
    h, w = x.shape[1:3]
    return np.max([padded[:, i : i + h, j : j + w] for i in range(3) for j in range(3)], axis=0)


def upsample2x_bilinear(x: np.ndarray) -> np.ndarray:
    """Bilinear resize to twice the size with half-pixel centres (PyTorch align_corners=False)."""

    def axis_weights(n: int) -> np.ndarray:
        m = np.zeros((2 * n, n))
        for i in range(2 * n):
            src = max((i + 0.5) / 2 - 0.5, 0.0)
            lo = min(int(np.floor(src)), n - 1)
            hi = min(lo + 1, n - 1)
            frac = src - lo
            m[i, lo] += 1 - frac
            m[i, hi] += frac
        return m

    mh, mw = axis_weights(x.shape[1]), axis_weights(x.shape[2])
    return np.einsum("ih,bhwc,jw->bijc", mh, x, mw)


def lstm(x: np.ndarray, kernel, recurrent, bias, backwards: bool = False) -> np.ndarray:
    """Keras LSTM (gates i, f, c, o; sigmoid/tanh), return_sequences; go_backwards keeps reversed order."""
    units = recurrent.shape[0]
    seq = x[:, ::-1] if backwards else x
    h = np.zeros((x.shape[0], units))
    c = np.zeros((x.shape[0], units))
    outputs = []
    for t in range(seq.shape[1]):
        z = seq[:, t] @ kernel + h @ recurrent + bias
        i, f, g, o = np.split(z, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, axis=1)


def kurapan_stn(x: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """keras-ocr's ``_transform``: affine grid in [-1, 1], coords * size / 2, clipped bilinear."""
    b, height, width, channels = x.shape
    gx, gy = np.meshgrid(np.linspace(-1, 1, width), np.linspace(-1, 1, height))
    grid = np.stack([gx.ravel(), gy.ravel(), np.ones(height * width)])
    out = np.zeros_like(x, dtype="float64")
    for n in range(b):
        xs, ys = theta[n].reshape(2, 3) @ grid
        xs = 0.5 * (xs + 1.0) * width
        ys = 0.5 * (ys + 1.0) * height
        x0 = np.clip(np.floor(xs), 0, width - 1)
        x1 = np.clip(np.floor(xs) + 1, 0, width - 1)
        y0 = np.clip(np.floor(ys), 0, height - 1)
        y1 = np.clip(np.floor(ys) + 1, 0, height - 1)
        img = x[n]
        value = (
            ((x1 - xs) * (y1 - ys))[:, None] * img[y0.astype(int), x0.astype(int)]
            + ((x1 - xs) * (ys - y0))[:, None] * img[y1.astype(int), x0.astype(int)]
            + ((xs - x0) * (y1 - ys))[:, None] * img[y0.astype(int), x1.astype(int)]
            + ((xs - x0) * (ys - y0))[:, None] * img[y1.astype(int), x1.astype(int)]
        )
        out[n] = value.reshape(height, width, channels)
    return out


# ----------------------------------------------------------------------------- kurapan CRNN


def kurapan_random_weights(rng, height, width, filters, units, n_classes, pool=2):
    """Random weights per published layer name (shapes derived here, not from our model)."""
    w: dict[str, list[np.ndarray]] = {}
    channels = 1
    for i, f in enumerate(filters, start=1):
        w[f"conv_{i}"] = [
            rng.normal(0, 1 / np.sqrt(9 * channels), (3, 3, channels, f)),
            rng.normal(0, 0.1, f),
        ]
        if i in (3, 5, 7):
            w[f"bn_{i}"] = [rng.uniform(0.5, 1.5, f), rng.normal(0, 0.1, f), rng.normal(0, 0.1, f),
                            rng.uniform(0.5, 1.5, f)]  # fmt: skip
        channels = f
    steps, rows = width // pool**2, height // pool**2
    w["stn"] = [
        rng.normal(0, 1 / np.sqrt(25 * channels), (5, 5, channels, 16)), rng.normal(0, 0.1, 16),
        rng.normal(0, 1 / np.sqrt(25 * 16), (5, 5, 16, 32)), rng.normal(0, 0.1, 32),
        rng.normal(0, 1 / np.sqrt(steps * rows * 32), (steps * rows * 32, 64)), rng.normal(0, 0.1, 64),
        rng.normal(0, 0.02, (64, 6)), np.array([1.0, 0.05, 0.02, -0.04, 0.9, 0.03]),
    ]  # fmt: skip
    w["fc_9"] = [
        rng.normal(0, 1 / np.sqrt(rows * channels), (rows * channels, units[0])),
        rng.normal(0, 0.1, units[0]),
    ]
    for name, n_in, n in (("lstm_10", units[0], units[0]), ("lstm_10_back", units[0], units[0]),
                          ("lstm_11", units[0], units[1]), ("lstm_11_back", units[0], units[1])):  # fmt: skip
        w[name] = [
            rng.normal(0, 0.3, (n_in, 4 * n)),
            rng.normal(0, 0.3, (n, 4 * n)),
            rng.normal(0, 0.1, 4 * n),
        ]
    w["fc_12"] = [rng.normal(0, 0.3, (2 * units[1], n_classes)), rng.normal(0, 0.1, n_classes)]
    return {k: [np.asarray(a, "float32") for a in v] for k, v in w.items()}


def kurapan_keras2_layers(w: dict[str, list[np.ndarray]], include_top: bool = True):
    """keras-ocr's ``model.layers`` order and names (the STN is a nested model named ``model_1``)."""
    layers: list[tuple[str, list[tuple[str, np.ndarray]]]] = [
        ("input_1", []),
        ("permute", []),
        ("lambda", []),
    ]
    for i in range(1, 8):
        layers.append(
            (
                f"conv_{i}",
                [(f"conv_{i}/kernel:0", w[f"conv_{i}"][0]), (f"conv_{i}/bias:0", w[f"conv_{i}"][1])],
            )
        )
        if i in (3, 5, 7):
            layers.append((f"bn_{i}", [(f"bn_{i}/{n}:0", a) for n, a in zip(BN_NAMES, w[f"bn_{i}"])]))
        if i in (3, 5):
            layers.append((f"maxpool_{i}", []))
    stn_names = ["conv2d_1/kernel:0", "conv2d_1/bias:0", "conv2d_2/kernel:0", "conv2d_2/bias:0",
                 "dense_1/kernel:0", "dense_1/bias:0", "dense_2/kernel:0", "dense_2/bias:0"]  # fmt: skip
    layers.append(("model_1", list(zip(stn_names, w["stn"]))))
    layers += [("lambda_1", []), ("reshape", [])]
    layers.append(("fc_9", [("fc_9/kernel:0", w["fc_9"][0]), ("fc_9/bias:0", w["fc_9"][1])]))
    for name in ("lstm_10", "lstm_10_back"):
        layers.append(
            (
                name,
                [
                    (f"{name}/lstm_cell/{n}:0", a)
                    for n, a in zip(("kernel", "recurrent_kernel", "bias"), w[name])
                ],
            )
        )
    layers.append(("add", []))
    for name in ("lstm_11", "lstm_11_back"):
        layers.append(
            (
                name,
                [
                    (f"{name}/lstm_cell/{n}:0", a)
                    for n, a in zip(("kernel", "recurrent_kernel", "bias"), w[name])
                ],
            )
        )
    layers.append(("concatenate", []))
    if include_top:
        layers += [("dropout", []), ("fc_12", [("fc_12/kernel:0", w["fc_12"][0]), ("fc_12/bias:0", w["fc_12"][1])]),
                   ("lambda_2", [])]  # fmt: skip
    return layers


def kurapan_forward(x: np.ndarray, w: dict[str, list[np.ndarray]], discard: int = 2):
    """(features before dropout, softmax output after discarding steps) of kurapan's CRNN."""
    y = np.transpose(x.astype("float64"), (0, 2, 1, 3))[:, :, ::-1]
    for i in range(1, 8):
        y = relu(conv2d(y, *w[f"conv_{i}"]))
        if i in (3, 5, 7):
            y = batchnorm(y, *w[f"bn_{i}"], eps=1e-3)
        if i in (3, 5):
            y = maxpool(y, 2, 2)
    s = w["stn"]
    loc = relu(conv2d(relu(conv2d(y, s[0], s[1])), s[2], s[3]))
    loc = relu(loc.reshape(len(loc), -1) @ s[4] + s[5])
    theta = loc @ s[6] + s[7]
    y = kurapan_stn(y, theta)
    y = y.reshape(y.shape[0], y.shape[1], -1)
    y = relu(y @ w["fc_9"][0] + w["fc_9"][1])
    y = lstm(y, *w["lstm_10"]) + lstm(y, *w["lstm_10_back"], backwards=True)
    features = np.concatenate([lstm(y, *w["lstm_11"]), lstm(y, *w["lstm_11_back"], backwards=True)], axis=-1)
    logits = features @ w["fc_12"][0] + w["fc_12"][1]
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    return features, probs[:, discard:]


# ----------------------------------------------------------------------------- CRAFT

#: Tiny CRAFT widths for fast tests (the structure is the published one).
TINY_CRAFT = {"backbone_filters": (4, 6, 8, 8, 8), "slice5_filters": 12, "upconv_filters": (8, 8, 8, 8),
              "head_filters": (6, 6, 4, 4)}  # fmt: skip


def craft_torch_state_dict(rng, cfg=TINY_CRAFT) -> dict[str, np.ndarray]:
    """A random CRAFT state dict with the published keys (``module.`` prefix, OIHW kernels)."""
    sd: dict[str, np.ndarray] = {}

    def conv(name, cin, cout, k):
        sd[f"module.{name}.weight"] = rng.normal(0, 1 / np.sqrt(k * k * cin), (cout, cin, k, k))
        sd[f"module.{name}.bias"] = rng.normal(0, 0.1, cout)

    def bn(name, c):
        sd[f"module.{name}.weight"] = rng.uniform(0.5, 1.5, c)
        sd[f"module.{name}.bias"] = rng.normal(0, 0.1, c)
        sd[f"module.{name}.running_mean"] = rng.normal(0, 0.1, c)
        sd[f"module.{name}.running_var"] = rng.uniform(0.5, 1.5, c)
        sd[f"module.{name}.num_batches_tracked"] = np.array(7)

    f = cfg["backbone_filters"]
    vgg = [(0, f[0]), (3, f[0]), (7, f[1]), (10, f[1]), (14, f[2]), (17, f[2]), (20, f[2]), (24, f[3]),
           (27, f[3]), (30, f[3]), (34, f[4]), (37, f[4])]  # fmt: skip
    cin = 3
    for index, cout in vgg:
        s = next(i for i, end in enumerate((12, 19, 29, 39), start=1) if index < end)
        conv(f"basenet.slice{s}.{index}", cin, cout, 3)
        bn(f"basenet.slice{s}.{index + 1}", cout)
        cin = cout
    s5 = cfg["slice5_filters"]
    conv("basenet.slice5.1", f[4], s5, 3)
    conv("basenet.slice5.2", s5, s5, 1)
    skips = (f[4], f[3], f[2], f[1])
    prev = s5
    for n, (width, skip) in enumerate(zip(cfg["upconv_filters"], skips), start=1):
        conv(f"upconv{n}.conv.0", prev + skip, width, 1)
        bn(f"upconv{n}.conv.1", width)
        conv(f"upconv{n}.conv.3", width, width // 2, 3)
        bn(f"upconv{n}.conv.4", width // 2)
        prev = width // 2
    for i, (cout, k) in enumerate(zip((*cfg["head_filters"], 2), (3, 3, 3, 1, 1))):
        conv(f"conv_cls.{2 * i}", prev, cout, k)
        prev = cout
    return {k: np.asarray(v, "float32") if v.ndim else v for k, v in sd.items()}


def craft_torch_module(cfg=TINY_CRAFT):
    """CRAFT as clovaai/CRAFT-pytorch writes it (vgg16_bn slices with in-place ReLUs)."""
    import torch
    from torch import nn
    from torch.nn import functional as F  # noqa: N812

    f = cfg["backbone_filters"]
    plan = [
        f[0],
        f[0],
        "M",
        f[1],
        f[1],
        "M",
        f[2],
        f[2],
        f[2],
        "M",
        f[3],
        f[3],
        f[3],
        "M",
        f[4],
        f[4],
        f[4],
        "M",
    ]
    features, cin = [], 3
    for v in plan:
        if v == "M":
            features.append(nn.MaxPool2d(2, 2))
        else:
            features += [nn.Conv2d(cin, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
            cin = v

    class Basenet(nn.Module):
        def __init__(self):
            super().__init__()
            self.slice1 = nn.Sequential()
            self.slice2, self.slice3, self.slice4 = nn.Sequential(), nn.Sequential(), nn.Sequential()
            for i in range(39):
                target = (
                    self.slice1
                    if i < 12
                    else self.slice2
                    if i < 19
                    else self.slice3
                    if i < 29
                    else self.slice4
                )
                target.add_module(str(i), features[i])
            s5 = cfg["slice5_filters"]
            self.slice5 = nn.Sequential(
                nn.MaxPool2d(3, 1, 1), nn.Conv2d(f[4], s5, 3, padding=6, dilation=6), nn.Conv2d(s5, s5, 1)
            )

        def forward(self, x):
            h2 = self.slice1(x)
            h3 = self.slice2(h2)
            h4 = self.slice3(h3)
            h5 = self.slice4(h4)
            return self.slice5(h5), h5, h4, h3, h2

    def double_conv(cin, mid, cout):
        return nn.Sequential(nn.Conv2d(cin, mid, 1), nn.BatchNorm2d(mid), nn.ReLU(inplace=True),
                             nn.Conv2d(mid, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))  # fmt: skip

    class Upconv(nn.Module):
        def __init__(self, cin, mid, cout):
            super().__init__()
            self.conv = double_conv(cin, mid, cout)

        def forward(self, x):
            return self.conv(x)

    class Craft(nn.Module):
        def __init__(self):
            super().__init__()
            self.basenet = Basenet()
            u = cfg["upconv_filters"]
            skips = (f[4], f[3], f[2], f[1])
            prev = cfg["slice5_filters"]
            for n in range(4):
                setattr(self, f"upconv{n + 1}", Upconv(prev + skips[n], u[n], u[n] // 2))
                prev = u[n] // 2
            h = cfg["head_filters"]
            self.conv_cls = nn.Sequential(
                nn.Conv2d(prev, h[0], 3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(h[0], h[1], 3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(h[1], h[2], 3, padding=1), nn.ReLU(inplace=True),
                nn.Conv2d(h[2], h[3], 1), nn.ReLU(inplace=True),
                nn.Conv2d(h[3], 2, 1),
            )  # fmt: skip

        def forward(self, x):
            sources = self.basenet(x)
            y = torch.cat([sources[0], sources[1]], dim=1)
            y = self.upconv1(y)
            for n, src in ((2, sources[2]), (3, sources[3]), (4, sources[4])):
                y = F.interpolate(y, size=src.size()[2:], mode="bilinear", align_corners=False)
                y = torch.cat([y, src], dim=1)
                y = getattr(self, f"upconv{n}")(y)
            return self.conv_cls(y).permute(0, 2, 3, 1)

    return Craft()


def run(model, x) -> np.ndarray:
    """Eager forward pass in inference mode (no tf.function tracing: fast for tiny test models)."""
    from keras import ops

    if isinstance(x, list | tuple):
        return ops.convert_to_numpy(model([ops.convert_to_tensor(a) for a in x], training=False))
    return ops.convert_to_numpy(model(ops.convert_to_tensor(x), training=False))


def layer_named(model, name: str):
    """``model``'s layer called ``name`` (PyTorch's dotted module path, e.g. ``basenet.slice1.0``): under the
    torch backend the CRAFT layers are named with ``_`` for ``.``."""
    from ocr_core.models.loading import canonical_layer_name

    wanted = canonical_layer_name(name)
    for layer in model.layers:
        if canonical_layer_name(layer.name) == wanted:
            return layer
    raise ValueError(f"no layer {name!r} in {model.name!r}")
