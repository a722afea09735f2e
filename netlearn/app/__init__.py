"""The full-screen player (Textual), used on a terminal only; pipes keep the plain renderers.

Nothing outside this package imports Textual at module level: a command imports from here inside
its body, once it knows a learner sits at a terminal.

- `shell`: `NetlearnApp` (the one app every screen runs in), `run_app`, the shared CSS.
- `home`: `HomeScreen`, the lesson menu.
- `lesson`: `LessonScreen`, a lesson step by step: text pane, scene region, keys.
- `scene_view`: `SceneView`, a widget drawing a scene's events one by one, animated.
- `hint`: `HintPanel`, a step's hint over the lesson.
- `quiz`, `inspector`, `live`: the quiz, the layer inspector, the live demos.
"""
