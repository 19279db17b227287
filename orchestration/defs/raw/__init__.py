"""The loader's assets: the landing extracts into the raw schema of the build file."""
