"""The OSI model: the layer table, sample packets, and the walker that dissects any packet."""
