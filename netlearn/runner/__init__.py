"""The lesson runner: the stepper (sans-I/O), key input, and the player that ties them together."""
