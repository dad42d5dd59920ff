import time, numpy as np
import neuronboundary as nb
for sizes in ([2,64,64,1],[2,128,128,128,1]):
    net = nb.Network.random(sizes, seed=0)
    for i in range(3):
        t=time.perf_counter(); a=nb.arrangement_2d(net, ((-1,1),(-1,1))); print(sizes, a.n_regions, time.perf_counter()-t)
