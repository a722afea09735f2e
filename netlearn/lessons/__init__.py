"""The lessons' code: one package per lesson, `netlearn.lessons.<id>`, the id of its folder under `lessons/`."""
