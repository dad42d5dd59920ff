"""Developer tooling used by noxfile.py (not part of the package)."""
