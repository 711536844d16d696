"""Writes the NIR fixtures of kernels-tests/tests/nir_files.rs with the real `nir` package.

Run with nir 1.0.8 (and, for the snnTorch file, snntorch 1.0 with nirtorch):
    python make_fixtures.py [OUT_DIR]        # default: this folder
    python make_fixtures.py --check FILE...  # nir.read each FILE (files our writer made)
"""
import os
import sys

if len(sys.argv) > 1 and sys.argv[1] == "--check":
    import nir
    for path in sys.argv[2:]:
        graph = nir.read(path)
        print(path, "ok:", sorted(graph.nodes), len(graph.edges), "edges")
    sys.exit(0)

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
import nir, numpy as np
f32 = np.float32
rng = np.random.default_rng(0)
def lif(n, tau=0.02, thr=1.0):
    return nir.LIF(tau=np.full(n, tau, f32), r=np.ones(n, f32), v_leak=np.zeros(n, f32),
                   v_threshold=np.full(n, thr, f32), v_reset=np.zeros(n, f32))
# 1. LIF layer
g = nir.NIRGraph.from_list(lif(3))
nir.write(OUT + "/lif.nir", g)
# 2. CubaLIF
n = 3
g = nir.NIRGraph.from_list(nir.CubaLIF(tau_syn=np.full(n, 0.005, f32), tau_mem=np.full(n, 0.02, f32), r=np.ones(n, f32),
        v_leak=np.zeros(n, f32), v_threshold=np.ones(n, f32), v_reset=np.zeros(n, f32), w_in=np.full(n, 2.0, f32)))
nir.write(OUT + "/cubalif.nir", g)
# 3. Affine->LIF->Affine->LIF
g = nir.NIRGraph.from_list(
    nir.Affine(weight=rng.standard_normal((3, 4)).astype(f32), bias=np.zeros(3, f32)), lif(3),
    nir.Affine(weight=rng.standard_normal((2, 3)).astype(f32), bias=np.full(2, 0.5, f32)), lif(2))
g.metadata = {"author": "test", "dt": 1e-3}
nir.write(OUT + "/mlp.nir", g)
# 4. Conv2d + SumPool2d + Flatten + Affine + LIF
conv = nir.Conv2d(input_shape=(8, 8), weight=rng.standard_normal((4, 2, 3, 3)).astype(f32), stride=1, padding=1,
                  dilation=1, groups=1, bias=np.zeros(4, f32))
pool = nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0]))
flat = nir.Flatten(input_type=np.array([4, 4, 4]), start_dim=0, end_dim=-1)
aff = nir.Affine(weight=rng.standard_normal((5, 64)).astype(f32), bias=np.zeros(5, f32))
g = nir.NIRGraph(nodes={"input": nir.Input(np.array([2, 8, 8])), "conv": conv, "pool": pool, "flat": flat,
                        "fc": aff, "lif": lif(5), "output": nir.Output(np.array([5]))},
                 edges=[("input", "conv"), ("conv", "pool"), ("pool", "flat"), ("flat", "fc"), ("fc", "lif"), ("lif", "output")])
nir.write(OUT + "/conv.nir", g)
# 5. recurrent LIF (nested graph, lif -> w_rec -> lif)
n = 3
sub = nir.NIRGraph(nodes={"input": nir.Input(np.array([n])), "lif": lif(n),
                          "w_rec": nir.Affine(weight=rng.standard_normal((n, n)).astype(f32), bias=np.zeros(n, f32)),
                          "output": nir.Output(np.array([n]))},
                   edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")])
g = nir.NIRGraph(nodes={"input": nir.Input(np.array([4])),
                        "fc": nir.Affine(weight=rng.standard_normal((n, 4)).astype(f32), bias=np.zeros(n, f32)),
                        "rnn": sub, "output": nir.Output(np.array([n]))},
                 edges=[("input", "fc"), ("fc", "rnn"), ("rnn", "output")])
nir.write(OUT + "/rlif.nir", g)
# 6. All remaining node types (scalars-as-python-values path)
n = 2
extra = nir.NIRGraph(nodes={
    "input": nir.Input(np.array([n])),
    "lin": nir.Linear(weight=np.eye(n, dtype=f32)),
    "scale": nir.Scale(scale=np.full(n, 2.0, f32)),
    "delay": nir.Delay(delay=np.full(n, 0.001, f32)),
    "i": nir.I(r=np.ones(n, f32)),
    "li": nir.LI(tau=np.full(n, 0.01, f32), r=np.ones(n, f32), v_leak=np.zeros(n, f32)),
    "if": nir.IF(r=np.ones(n, f32), v_threshold=np.ones(n, f32)),
    "culi": nir.CubaLI(tau_syn=np.full(n, 0.005, f32), tau_mem=np.full(n, 0.02, f32), r=np.ones(n, f32), v_leak=np.zeros(n, f32)),
    "thr": nir.Threshold(threshold=np.full(n, 0.5, f32)),
    "output": nir.Output(np.array([n]))},
    edges=[("input","lin"),("lin","scale"),("scale","delay"),("delay","i"),("i","li"),("li","if"),("if","culi"),("culi","thr"),("thr","output")])
nir.write(OUT + "/others.nir", extra)
# 7. Conv1d, AvgPool2d, Conv2d with padding string and no input_shape
c1 = nir.Conv1d(input_shape=10, weight=np.ones((2,1,3), f32), stride=1, padding="same", dilation=1, groups=1, bias=np.zeros(2, f32))
g = nir.NIRGraph(nodes={"input": nir.Input(np.array([1,10])), "c1": c1, "output": nir.Output(np.array([2,10]))},
                 edges=[("input","c1"),("c1","output")])
nir.write(OUT + "/conv1d.nir", g)
c2 = nir.Conv2d(input_shape=(6,6), weight=np.ones((3,1,3,3), f32), stride=(2,2), padding="valid", dilation=(1,1), groups=1, bias=np.zeros(3, f32))
ap = nir.AvgPool2d(kernel_size=np.array([2,2]), stride=np.array([2,2]), padding=np.array([0,0]))
g = nir.NIRGraph(nodes={"input": nir.Input(np.array([1,6,6])), "c2": c2, "ap": ap, "output": nir.Output(np.array([3,1,1]))},
                 edges=[("input","c2"),("c2","ap"),("ap","output")])
nir.write(OUT + "/conv2d_valid_avgpool.nir", g)

# 8. snnTorch's exporter on Linear(4, 3) → Leaky(β 0.9) → Linear(3, 2) → Leaky(β 0.8), per-neuron
#    β and θ (snnTorch 1.0 cannot export a scalar β to nir 1.0.8: its type inference fails).
import torch
import snntorch as snn
from snntorch.export_nir import export_to_nir

torch.manual_seed(0)
net = torch.nn.Sequential(
    torch.nn.Linear(4, 3), snn.Leaky(beta=torch.full((3,), 0.9), threshold=torch.ones(3), init_hidden=True),
    torch.nn.Linear(3, 2), snn.Leaky(beta=torch.full((2,), 0.8), threshold=torch.ones(2), init_hidden=True, output=True))
nir.write(OUT + "/snntorch_mlp.nir", export_to_nir(net, torch.randn(1, 4), ignore_dims=[0]))
print("ok")
