import time, numpy as np
import neuronboundary as nb
net = nb.Network.random([784,1024,1024,1024,10], seed=0)
rng = np.random.default_rng(0)
a, b = rng.uniform(0,1,(2,784))
line = nb.slice_1d(net, a, b - a)
for i in range(3):
    t=time.perf_counter(); p = nb.partition_1d(line, (0.0, 1.0)); print(p.n_intervals, time.perf_counter()-t)
h = np.zeros((p.n_intervals+1, 1024)); W = net.layers[1].weight
for i in range(3):
    t=time.perf_counter(); h @ W.T; print("mm", time.perf_counter()-t)
