"""Lesson content: the manifest, the lesson text format, and the content checker."""
