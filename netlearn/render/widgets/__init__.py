"""Rich widgets, one visual concept per module; each runs alone as `python -m netlearn.render.widgets.X`."""
