import time, numpy as np
from neuronboundary.network import Network
from neuronboundary.network_arrangement import network_arrangement_2d
from neuronboundary.arrangement import arrangement_2d
net = Network.random([2,64,64,1], seed=0)
for i in range(3):
    t=time.perf_counter(); a=arrangement_2d(net.layers[0], ((-1,1),(-1,1))); t1=time.perf_counter()-t
    t=time.perf_counter(); a = network_arrangement_2d(net, ((-1,1),(-1,1))); print(a.n_regions, t1, time.perf_counter()-t)
