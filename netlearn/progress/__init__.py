"""The learner's progress, kept in SQLite in the user's data directory."""
