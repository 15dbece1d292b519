"""Circularity audit: which components of theta* an objective imposes and which emerge (docs/theory.md 4.3, 4.4).

A component is *imposed* when the objective's optimum fixes it whatever the data's coupling
is (it is written into the loss, or the loss's optimum is data-independent), *emergent* when
it follows from optimizing something that does not mention it, and *not identified* when the
loss is invariant under maps that change it. The kind of agreement per objective (teacher,
definitional, emergent) is ``config.AGREEMENT``. The demonstrations (another infomax scale
s^2; autoencoder across seeds and a reparametrized bottleneck) are run by ``rgdnn results``
and recorded in docs/network.md.

- ``decimate``: the teacher D x fixes the whole output law (the optimum outputs the decimated
  sites, whose projection is R^L(theta)); every component is imposed, nothing emerges.
- ``infomax``: a_k through the centred-moment constraints; K through the decorrelation penalty
  and through the entropy term: -(1/2) log det Corr(y) is minimized at Corr = I for any data
  (Hadamard), so it is data-independent. Nothing emerges; with neither term K is not identified.

- ``rsmi``: imposes nothing through its loss; its readout convention fixes the overall scale,
  so only the scale-free u and shape (kurtosis) are evidence (docs/theory.md 4.4).

>>> from numerics.network.config import TrainConfig
>>> audit(TrainConfig(K="0.5", a=("1",), objective="infomax"))["imposed"]
['a_1 (centred-moment constraint E[(y-Ey)^2] = m_2)', 'K (decorrelation penalty forces Corr(y) = I)']
>>> r = audit(TrainConfig(K="0.5", a=("1",), objective="infomax", decorrelation=0, entropy=1))
>>> r["imposed"][-1], r["emergent"]
('K (entropy term -(1/2) log det Corr(y) is minimized at Corr = I for any data: data-independent)', [])
>>> audit(TrainConfig(K="0.5", a=("1",), objective="decimate"))["emergent"]
[]
>>> [e.split(",")[0] for e in audit(TrainConfig(K="0.4", a=("0.5", "0.1"), objective="rsmi"))["emergent"]]
['K', 'the shape a_2/a_1^2 (kurtosis m_4/m_2^2)']
>>> audit(TrainConfig(K="0.8", a=(), ising=True, objective="rbm", N=32, M=16, layers=1))["imposed"]
[]
"""
from __future__ import annotations


def audit(cfg):
    """{'imposed': [...], 'emergent': [...], 'not_identified': [...]} for the config's objective."""
    n = cfg.n
    a_names = [f"a_{k}" for k in range(1, n + 1)]
    obj = cfg.objective
    spins = getattr(cfg, "ising", False)
    if obj == "rbm":
        readout = ("readout: h ~ p(h | v), +-1 spins, read as an M-ring in index order" if spins else
                   "readout: E[h | v] = tanh(c + W^T v / sigma), rescaled so its second moment is the data's m_2")
        return {"imposed": [] if spins else
                ["the output scale (readout convention: second moment set to m_2; fixes one combination of a)"],
                "emergent": ["K (maximum likelihood of the visible law mentions no theta*, K or hidden law; "
                             + readout + ")"] + [f"{a} (given the scale convention)" for a in a_names],
                "not_identified": ["the order and signs of the hidden units: permutations and h_j -> -h_j "
                                   "(W_:j, c_j -> -W_:j, -c_j) leave the likelihood unchanged, so chi of the "
                                   "index-order ring is a convention; the translation and lag-2 diagnostics test it"]}
    if spins and obj == "infomax":
        imposed = ["the output scale (centred-moment constraint E[(y-Ey)^2] = "
                   f"{'s^2' if cfg.scale2 else '1'}; the sign readout discards it)"]
        emergent, nid = [], []
        if cfg.decorrelation > 0:
            imposed.append("K (decorrelation penalty forces Cov(y) diagonal; for jointly Gaussian y that gives "
                           "E[sign y_0 sign y_1] = (2/pi) arcsin Corr = 0, not in general)")
        elif cfg.entropy > 0:
            imposed.append("K (entropy term -(1/2) log det Corr(y) is minimized at Corr = I for any data: "
                           "data-independent; the sign readout inherits it for jointly Gaussian y only)")
        else:
            nid.append("K (neither decorrelation nor entropy term: any correlation meets the constraints)")
        return {"imposed": imposed, "emergent": emergent, "not_identified": nid}
    if obj == "infomax":
        imposed = [f"{a} (centred-moment constraint E[(y-Ey)^{2 * k}] = {'s^2-scaled ' if cfg.scale2 else ''}m_{2 * k})"
                   for k, a in enumerate(a_names, 1)]
        nid = []
        if cfg.decorrelation > 0:
            imposed.append("K (decorrelation penalty forces Corr(y) = I)")
        if cfg.entropy > 0:
            imposed.append("K (entropy term -(1/2) log det Corr(y) is minimized at Corr = I for any data: "
                           "data-independent)")
        if cfg.decorrelation == 0 and cfg.entropy == 0:
            nid.append("K (neither decorrelation nor entropy term: any correlation meets the constraints)")
        return {"imposed": imposed, "emergent": [], "not_identified": nid}
    if obj == "decimate":
        return {"imposed": ["K (the teacher D x fixes the output law: K of R^L(theta), -> 0 only as "
                            + ("(tanh K)^(b^L)" if spins else "u^(b^L)") + " -> 0)"]
                + [f"{a} (the teacher fixes the output law; decimation keeps the single-site law, so m_{2 * k} "
                   f"carries over)" for k, a in enumerate(a_names, 1)],
                "emergent": [], "not_identified": []}
    if obj == "rsmi":
        return {"imposed": ["the overall scale, by the readout convention only (features standardized to the data's "
                            "m_2; the loss, a mutual information, is invariant under invertible maps of H): "
                            "a_1 given u is a convention, not evidence"],
                "emergent": ["K, through the scale-free u = K/(a_1 + rho) (lag-1 correlation ratio C(1)/C(0)): "
                             "the loss mentions no theta, theta* or moment"]
                + ([f"the shape {', '.join(f'a_{k}/a_1^{k}' for k in range(2, n + 1))} (kurtosis m_4/m_2^2)"]
                   if n > 1 else []),
                "not_identified": ["the sign and offset of H (MI is invariant under them; a common sign flip "
                                   "leaves K unchanged)"]}
    if obj == "autoencoder":
        return {"imposed": [], "emergent": [],
                "not_identified": ["K"] + a_names
                + ["(the decoder absorbs any invertible map of the bottleneck: chi is not a property of the optimum)"]}
    return {"imposed": [], "emergent": [],
            "not_identified": ["K"] + a_names
            + ["(supervised features: nothing ties them to theta*; measured, not presumed)"]}
