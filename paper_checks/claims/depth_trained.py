"""Which RG does a trained network perform? Trained depth claims (docs/theory.md 4.5).

Each claim trains one small depth run through the pipeline (``paper_checks.depth.trained_document``: one
network per depth L and seed, N = M b^L, chi-hat with delta-method covariance) and reads the verdicts of
the rules of docs/theory.md 4.5:

- ``network.depth-trained-decimate``: [teacher] trained `decimate` on the Gaussian example follows R^L(theta)
  at every layer (equivalent to R^L, different from B^L where the two differ) and the rules call its scheme
  decimation -- a check of the trained route and its pipeline, expected to hold;
- ``network.depth-trained-rsmi-gaussian``: [emergent] trained linear `rsmi` on the Gaussian example follows
  the scheme of its exact optimum (block spins, claim ``network.depth-rsmi-gaussian-block-spin``); open:
  an optimizer's end point need not be the optimum.

Small budgets (L = 1, 2, N = 16, 32, 8192 estimation samples; the depth study goes to L = 5) keep them to
seconds; they are slow claims (``rgdnn check --quick`` skips them).
"""
from __future__ import annotations

from paper_checks.registry import Evidence, claim

LAYERS = 2
EVAL_SAMPLES = 8192

# The two sides of each claim: the trained networks (data, network, objective, chi-hat) and the references
# (Gaussian closed forms of numerics.network.depth_references); the rules of docs/theory.md 4.5 and the
# KL rates are what the statement applies to both.
STATEMENT = ["numerics.network.depth.document", "paper_checks.depth.trained_document"]
SHARED = {"*": "the trained side imports the chain's backends through numerics.network.targets (the data's m_2 for "
               "the readout scale, the loss optimum) and the statement's KL rate (numerics.klrate, effect); the "
               "numbers compared -- u of the trained features against u^(b^L) and the block sums' u of Gaussian "
               "closed forms -- come from samples through a trained network on one side and from closed forms on "
               "the other"}


def _routes(network):
    return {"trained networks (Gaussian ring samples, network, objective, chi-hat)":
            ["numerics.network.sampler.GaussianRingSampler", network, "numerics.network.objectives",
             "numerics.network.depth_trained"],
            "references R^L, B^L and fixed points (closed forms)": ["numerics.network.depth_references"]}


def _document(objective, steps):
    from numerics.network.depth_config import DepthConfig
    from paper_checks.depth import trained_document
    cfg = DepthConfig(K="0.5", a=("1",), objective=objective, layers=LAYERS, route="trained", seeds=(0,),
                      extra={"steps": steps, "eval_samples": EVAL_SAMPLES})
    return trained_document(cfg, progress=False)


def _rows(doc):
    refs = doc["references"]
    return [{"L": r["L"], "u": r["u"], "u_se": r["u_se"], "R^L u": refs["decimation"][r["L"] - 1]["u"],
             "B^L u": refs["block"][r["L"] - 1]["u"],
             "verdict vs R^L": (r["kl"]["decimation"] or {}).get("verdict"),
             "verdict vs B^L": (r["kl"]["block"] or {}).get("verdict"),
             "loss_gap": (r.get("details") or {}).get("loss_gap")} for r in doc["layers"]]


def _summary(doc, rows):
    us = ", ".join(f"{r['u']:.3g}+-{r['u_se']:.1g}" for r in rows)
    con = doc.get("contraction") or {}
    rate = (f"; contraction {con['factor']:.2f}+-{con['factor_se']:.2f} per layer" if con.get("factor") is not None
            and con.get("factor_se") is not None else "")
    return f"u_L = {us}; scheme {doc['scheme']}, fixed point: {doc['fixed_point']}{rate}"


@claim("network.depth-trained-decimate",
       "[teacher] Trained decimate networks on the Gaussian example follow decimation layer by layer: at L = 1, 2 "
       "the features are equivalent to R^L(theta) at the margin and different from B^L(theta) wherever the two "
       "references are distinguishable, and the rules of docs/theory.md 4.5 call the scheme decimation (a check "
       "of the trained route: the teacher imposes R^L(theta))",
       provenance="formalization",
       hypotheses="Gaussian (a, K) = (1, 1/2); linear FCDNN, N = 8 x 2^L, L = 1, 2, seed 0, 400 steps, 8192 "
                  "estimation samples; margin 0.01 d(theta || theta*)",
       section="4.5", slow=True, routes=_routes("numerics.network.fcdnn"), statement_code=STATEMENT, shared=SHARED)
def check_depth_trained_decimate(ctx):
    doc = _document("decimate", 400)
    rows = _rows(doc)
    dist = [d["L"] for d in doc["scheme_evidence"].get("distinguishable", []) if d.get("distinguishable")]
    ok = (doc["scheme"] == "decimation" and all(r["verdict vs R^L"] == "equivalent" for r in rows)
          and all(r["verdict vs B^L"] == "different" for r in rows if r["L"] in dist))
    return Evidence(ok, _summary(doc, rows), {"rows": rows, "distinguishable_layers": dist,
                                              "scheme_evidence": doc["scheme_evidence"]})


@claim("network.depth-trained-rsmi-gaussian",
       "[emergent] Trained linear rsmi networks on the Gaussian example perform the scheme of their exact optimum: "
       "at L = 1, 2 the rules of docs/theory.md 4.5 call the trained flow block-spin, as they call the exact greedy "
       "optimum's (claim network.depth-rsmi-gaussian-block-spin). Holds when the trained scheme verdict is "
       "block-spin; fails when it is decimation, neither or undetermined (the evidence says which layers voted "
       "how and the contraction rate)",
       provenance="paper", expected="open",
       hypotheses="Gaussian (a, K) = (1, 1/2); linear block networks, b = 2, buffer 0, window 2, N = 8 x 2^L, "
                  "L = 1, 2, seed 0, 400 steps, 8 block positions per layer and step, 8192 estimation samples; "
                  "margin 0.01 d(theta || theta*)",
       section="4.5", slow=True, routes=_routes("numerics.network.rsmi"), statement_code=STATEMENT, shared=SHARED)
def check_depth_trained_rsmi_gaussian(ctx):
    doc = _document("rsmi", 400)
    rows = _rows(doc)
    return Evidence(doc["scheme"] == "block-spin", _summary(doc, rows),
                    {"rows": rows, "scheme_evidence": doc["scheme_evidence"]})
