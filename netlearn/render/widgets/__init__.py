"""Rich widgets, one visual concept per module.

Each runs alone as a demo: `python -m netlearn.render.widgets.X`.
"""
