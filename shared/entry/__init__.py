"""The composition root of the codebases' main.py: adapters built as ports (wiring), callables'
error mapping, the HTTP and Firestore-trigger glue. Its modules import what they use inside
their functions, so that `import main` stays a cold start of declarations only."""
