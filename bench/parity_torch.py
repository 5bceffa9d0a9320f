"""PyTorch reference for `npm run bench -- parity`: the same networks, trained the way cosearch trains.

The networks are built layer for layer from the same description cosearch builds from (a
mobile-cnn NetworkArch as JSON, or the fixed reference model R1), with TensorFlow's 'same'
padding (asymmetric at stride 2, as tfjs pads) and cosearch's batch-norm epsilon and momentum.
The job directory written by bench/parity.ts holds everything else, so nothing is derived twice:
the initial weights (cosearch's seeded initialization, by layer name), the training split and test
set as uint8 pixels, the normalization, every step's batch indices (cosearch's per-epoch
permutations) and every step's learning rate (cosearch's schedule).

Usage:
  python3 parity_torch.py train JOB_DIR        trains; prints one JSON line of results
  python3 parity_torch.py params MODEL_JSON    prints {"params": N} (counted as cosearch does)
  python3 parity_torch.py forward JOB_DIR      inference-mode logits of JOB_DIR/forward-x.f32,
                                               written to JOB_DIR/forward-y.f32 (tests)
MODEL_JSON: {"model": {"kind": "mobile-cnn", "arch": {...}} | {"kind": "r1"},
             "inputShape": [h, w, c], "numClasses": k}
"""

import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class SamePad(nn.Module):
    """Zero padding as TensorFlow's padding='same': total max((ceil(n/s)-1)*s + k - n, 0), the odd pixel after."""

    def __init__(self, k, stride):
        super().__init__()
        self.k, self.stride = k, stride

    def pad(self, n):
        out = -(-n // self.stride)
        total = max((out - 1) * self.stride + self.k - n, 0)
        return total // 2, total - total // 2

    def forward(self, x):
        top, bottom = self.pad(x.shape[2])
        left, right = self.pad(x.shape[3])
        if top == bottom == left == right == 0:
            return x
        return F.pad(x, (left, right, top, bottom))


class BiasedBatchNorm2d(nn.BatchNorm2d):
    """Batch norm whose moving variance averages the biased batch variance, as tfjs's does.

    Stock PyTorch averages the unbiased one (n/(n-1) times larger): the one rule in which the two
    frameworks' batch norms differ. The tests use this to compare whole training runs bit-closely.
    """

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        with torch.no_grad():
            self.running_mean.lerp_(x.mean((0, 2, 3)), self.momentum)
            self.running_var.lerp_(x.var((0, 2, 3), unbiased=False), self.momentum)
        return F.batch_norm(x, None, None, self.weight, self.bias, True, 0.0, self.eps)


class Net(nn.Module):
    """A network as a list of named ops over named tensors; layers are registered under cosearch's names."""

    def __init__(self, bn_eps, bn_momentum, biased_variance=False):
        super().__init__()
        self.layers = nn.ModuleDict()
        self.ops = []  # (kind, out, inputs, layer name or activation)
        self.bn_eps, self.bn_momentum = bn_eps, bn_momentum
        self.bn = BiasedBatchNorm2d if biased_variance else nn.BatchNorm2d
        self.count = 0

    def _out(self, kind, inputs, extra):
        self.count += 1
        out = "t%d" % self.count
        self.ops.append((kind, out, inputs, extra))
        return out

    def conv(self, x, c_in, name, k, stride, filters, bias, groups=1):
        self.layers[name] = nn.Sequential(
            SamePad(k, stride), nn.Conv2d(c_in, filters, k, stride, padding=0, bias=bias, groups=groups)
        )
        return self._out("layer", [x], name)

    def batchnorm(self, x, c, name):
        self.layers[name] = self.bn(c, eps=self.bn_eps, momentum=self.bn_momentum)
        return self._out("layer", [x], name)

    def act(self, x, fn):
        return self._out("act", [x], fn)

    def add(self, a, b):
        return self._out("add", [a, b], None)

    def gap(self, x):
        return self._out("gap", [x], None)

    def dense(self, x, name, n_in, units):
        self.layers[name] = nn.Linear(n_in, units)
        return self._out("layer", [x], name)

    def scale(self, x, s):
        return self._out("scale", [x, s], None)

    def forward(self, x):
        env = {"input": x}
        for kind, out, inputs, extra in self.ops:
            a = [env[i] for i in inputs]
            if kind == "layer":
                y = self.layers[extra](a[0])
            elif kind == "act":
                y = F.relu(a[0]) if extra == "relu" else torch.sigmoid(a[0])
            elif kind == "add":
                y = a[0] + a[1]
            elif kind == "gap":
                y = a[0].mean(dim=(2, 3))
            else:
                y = a[0] * a[1][:, :, None, None]
            env[out] = y
        return env[self.ops[-1][1]]


def se_width(block_in):
    return max(1, block_in // 4)


def build_mobile_cnn(arch, input_shape, num_classes, bn_eps, bn_momentum, biased_variance=False):
    """The walk of core/network/mobile-cnn.ts, op for op, with the same layer names."""
    net = Net(bn_eps, bn_momentum, biased_variance)

    def conv_bn_act(x, c_in, name, k, stride, filters, act):
        y = net.conv(x, c_in, name + "_conv", k, stride, filters, False)
        y = net.batchnorm(y, filters, name + "_bn")
        return (net.act(y, "relu") if act else y), filters

    def squeeze_excite(x, c, name, block_in):
        s = net.gap(x)
        s = net.dense(s, name + "_se_reduce", c, se_width(block_in))
        s = net.act(s, "relu")
        s = net.dense(s, name + "_se_expand", se_width(block_in), c)
        s = net.act(s, "sigmoid")
        return net.scale(x, s)

    def block(x, c_in, name, st, stride):
        k, exp, filters = st["kernel"], st.get("expansion", 1), st["filters"]
        if st["block"] == "conv":
            y, c = conv_bn_act(x, c_in, name, k, stride, filters, True)
            if st["squeezeExcite"]:
                y = squeeze_excite(y, c, name, c_in)
            return y, c
        if st["block"] == "mbconv":
            y, c = conv_bn_act(x, c_in, name + "_expand", 1, 1, c_in * exp, True) if exp > 1 else (x, c_in)
            y = net.conv(y, c, name + "_dw", k, stride, c, False, groups=c)
            y = net.batchnorm(y, c, name + "_dw_bn")
            y = net.act(y, "relu")
        elif exp > 1:
            y, c = conv_bn_act(x, c_in, name + "_fused", k, stride, c_in * exp, True)
        else:
            y, c = conv_bn_act(x, c_in, name + "_fused", k, stride, filters, True)
        if st["squeezeExcite"]:
            y = squeeze_excite(y, c, name, c_in)
        if st["block"] == "mbconv" or exp > 1:
            y, c = conv_bn_act(y, c, name + "_project", 1, 1, filters, False)
        if stride == 1 and c_in == filters:
            y = net.add(x, y)
        return y, c

    x, c = conv_bn_act("input", input_shape[2], "stem", 3, 1, arch["stemFilters"], True)
    for s, st in enumerate(arch["stages"]):
        for l in range(st["layers"]):
            x, c = block(x, c, "s%d_b%d" % (s + 1, l + 1), st, st["stride"] if l == 0 else 1)
    x = net.gap(x)
    net.dense(x, "head_dense", c, num_classes)
    return net


def build_r1(input_shape, num_classes, bn_eps, bn_momentum, biased_variance=False):
    """R1 (issue #5) as bench/parity.ts builds it: convs with biases, batch norm only after the 1×1 conv."""
    net = Net(bn_eps, bn_momentum, biased_variance)
    x = net.act(net.conv("input", input_shape[2], "r1_conv1", 3, 1, 16, True), "relu")
    x = net.act(net.conv(x, 16, "r1_dw", 3, 2, 16, True, groups=16), "relu")
    x = net.act(net.conv(x, 16, "r1_conv2", 1, 1, 32, True), "relu")
    x = net.batchnorm(x, 32, "r1_bn")
    x = net.act(net.conv(x, 32, "r1_conv3", 3, 2, 32, True), "relu")
    net.dense(net.gap(x), "head_dense", 32, num_classes)
    return net


def build(job):
    bn = job.get("batchNorm", {"epsilon": 1e-3, "momentum": 0.9})
    # tfjs keeps moving = momentum·moving + (1-momentum)·batch; PyTorch's momentum is the other weight.
    eps, momentum = bn["epsilon"], 1 - bn["momentum"]
    biased = bn.get("movingVariance", "unbiased") == "biased"
    m = job["model"]
    if m["kind"] == "r1":
        return build_r1(job["inputShape"], job["numClasses"], eps, momentum, biased)
    return build_mobile_cnn(m["arch"], job["inputShape"], job["numClasses"], eps, momentum, biased)


def count_params(net):
    """Weights and batch-norm statistics, as cosearch's summary counts them (4 per BN channel)."""
    return sum(v.numel() for k, v in net.state_dict().items() if not k.endswith("num_batches_tracked"))


def load_weights(net, job_dir, manifest):
    """cosearch's initial weights (tfjs layouts) into the torch layers of the same names."""
    raw = np.fromfile(os.path.join(job_dir, "init.f32"), dtype="<f4")
    seen = set()
    for w in manifest:
        layer, field = w["name"].split("/")
        a = torch.from_numpy(raw[w["offset"] : w["offset"] + math.prod(w["shape"])].reshape(w["shape"]).copy())
        mod = net.layers[layer]
        if isinstance(mod, nn.Sequential):
            mod = mod[1]
        if field == "bias":
            target, value = mod.bias, a
        elif isinstance(mod, nn.Conv2d):
            # tfjs conv [kh, kw, in, out] and depthwise [kh, kw, in, 1]; torch [out, in/groups, kh, kw].
            target, value = mod.weight, a.permute(2, 3, 0, 1) if field == "depthwise_kernel" else a.permute(3, 2, 0, 1)
        elif isinstance(mod, nn.Linear):
            target, value = mod.weight, a.t()
        else:
            target = {
                "gamma": mod.weight,
                "beta": mod.bias,
                "moving_mean": mod.running_mean,
                "moving_variance": mod.running_var,
            }[field]
            value = a
        if tuple(target.shape) != tuple(value.shape):
            raise SystemExit("%s: cosearch shape %s, torch %s" % (w["name"], list(value.shape), list(target.shape)))
        with torch.no_grad():
            target.copy_(value)
        seen.add(id(target))
    missing = [k for k, v in net.state_dict(keep_vars=True).items() if id(v) not in seen and "num_batches" not in k]
    if missing:
        raise SystemExit("no cosearch weights for " + ", ".join(missing))


def images(job_dir, name, n, shape, norm):
    """uint8 NHWC pixels as normalized float32 NCHW: (pixel - mean[c]) / std[c]."""
    h, w, c = shape
    x = np.fromfile(os.path.join(job_dir, name), dtype=np.uint8).reshape(n, h, w, c).astype(np.float32)
    x = (x - np.array(norm["mean"], np.float32)) / np.array(norm["std"], np.float32)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def accuracy(net, x, y, batch=256):
    net.eval()
    correct = 0
    with torch.no_grad():
        for s in range(0, len(y), batch):
            correct += (net(x[s : s + batch]).argmax(1) == y[s : s + batch]).sum().item()
    return correct / max(1, len(y))


def train(job_dir):
    job = json.load(open(os.path.join(job_dir, "job.json")))
    torch.set_num_threads(job.get("threads", 1))
    torch.manual_seed(0)  # nothing here draws; fixed anyway
    net = build(job)
    load_weights(net, job_dir, job["weights"])
    params = count_params(net)
    # Channels-last runs the convolutions through oneDNN here (NCHW 1×1 convs were ~10× slower).
    net = net.to(memory_format=torch.channels_last)
    shape, norm, data = job["inputShape"], job["normalization"], job.get("dataDir", job_dir)
    xtr = images(data, "train-x.u8", job["trainN"], shape, norm)
    ytr = torch.from_numpy(np.fromfile(os.path.join(data, "train-y.i32"), dtype="<i4").astype(np.int64))
    xte = images(data, "test-x.u8", job["testN"], shape, norm)
    yte = torch.from_numpy(np.fromfile(os.path.join(data, "test-y.i32"), dtype="<i4").astype(np.int64))
    order = np.fromfile(os.path.join(job_dir, "order.i32"), dtype="<i4").reshape(job["steps"], job["batchSize"])
    lrs = np.fromfile(os.path.join(job_dir, "lr.f64"), dtype="<f8")
    # Coupled L2 on kernels only (cosearch decays conv and dense kernels, not biases or batch norm).
    decayed = [m.weight for m in net.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    ids = {id(p) for p in decayed}
    rest = [p for p in net.parameters() if id(p) not in ids]
    o = job["optimizer"]
    groups = [{"params": decayed, "weight_decay": job["weightDecay"]}, {"params": rest, "weight_decay": 0.0}]
    if o["kind"] == "adam":
        opt = torch.optim.Adam(groups, lr=lrs[0], betas=(o["beta1"], o["beta2"]), eps=o["epsilon"])
    else:
        opt = torch.optim.SGD(groups, lr=lrs[0], momentum=o["momentum"])
    ls = job.get("labelSmoothing", 0.0)
    net.train()
    t0 = time.perf_counter()
    losses = []
    for step in range(job["steps"]):
        for g in opt.param_groups:
            g["lr"] = float(lrs[step])
        idx = torch.from_numpy(order[step].astype(np.int64))
        opt.zero_grad()
        xb = xtr[idx].contiguous(memory_format=torch.channels_last)
        loss = F.cross_entropy(net(xb), ytr[idx], label_smoothing=ls)
        loss.backward()
        opt.step()
        losses.append(loss.item())
        if (step + 1) % 200 == 0:
            sys.stderr.write("pytorch step %d/%d loss %.4f\n" % (step + 1, job["steps"], loss.item()))
    seconds = time.perf_counter() - t0
    if job.get("saveTestLogits"):
        net.eval()
        with torch.no_grad():
            net(xte).numpy().astype("<f4").tofile(os.path.join(job_dir, "test-logits.f32"))
    tail = losses[-min(len(losses), 100) :]
    print(
        json.dumps(
            {
                "testAccuracy": accuracy(net, xte, yte),
                "trainSeconds": round(seconds, 2),
                "examplesPerSec": round(job["steps"] * job["batchSize"] / seconds, 1),
                "finalLoss": round(sum(tail) / len(tail), 4),
                "params": params,
                "threads": torch.get_num_threads(),
                "torch": torch.__version__,
            }
        )
    )


def forward(job_dir):
    """Inference-mode logits for a test: cosearch's weights, float32 NHWC inputs in, logits out."""
    job = json.load(open(os.path.join(job_dir, "job.json")))
    net = build(job)
    load_weights(net, job_dir, job["weights"])
    net.eval()
    h, w, c = job["inputShape"]
    x = np.fromfile(os.path.join(job_dir, "forward-x.f32"), dtype="<f4").reshape(-1, h, w, c)
    with torch.no_grad():
        y = net(torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2))))
    y.numpy().astype("<f4").tofile(os.path.join(job_dir, "forward-y.f32"))
    print(json.dumps({"params": count_params(net), "n": int(y.shape[0])}))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("train", "params", "forward"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    if sys.argv[1] == "train":
        train(sys.argv[2])
    elif sys.argv[1] == "forward":
        forward(sys.argv[2])
    else:
        print(json.dumps({"params": count_params(build(json.load(open(sys.argv[2]))))}))
