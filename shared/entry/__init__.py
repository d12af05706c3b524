"""Entrypoint glue shared by the codebases' main.py: error mapping and logging."""
