"""The SimPy model: backend, links, servers and user populations over simulated time."""
