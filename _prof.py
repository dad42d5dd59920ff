import cProfile, pstats, time
from neuronboundary.network import Network
from neuronboundary.network_arrangement import network_arrangement_2d
for sizes in ([2,64,64,1],[2,128,128,128,1]):
    net = Network.random(sizes, seed=0)
    for i in range(2):
        t=time.perf_counter(); a=network_arrangement_2d(net, ((-1,1),(-1,1))); print(sizes, a.n_regions, time.perf_counter()-t)
cProfile.run("network_arrangement_2d(net, ((-1,1),(-1,1)))", "/tmp/prof")
pstats.Stats("/tmp/prof").sort_stats("tottime").print_stats(14)
