"""The Torch side: networks trained on chain data, and chi of their feature layer (docs/theory.md 4).

``train.train_and_compare`` is the entry point: one TrainConfig in, the trained
network's chi-hat and its comparison with theta* and R^L(theta) out.
"""

__all__ = ["audit", "block_mi", "compare", "config", "effect", "estimator", "fcdnn", "grid_chain",
           "ising_references", "ising_ring", "metropolis", "objectives", "rbm", "results", "rsmi", "sampler",
           "spin_estimator", "targets", "train",
           "chain_blocks", "depth", "depth_compare", "depth_config", "depth_exact", "depth_references",
           "depth_trained", "depth_verdict", "ising_block_maps"]
