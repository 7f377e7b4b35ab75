"""Backend Architect: a language server that reviews backend code like a senior architect."""

__version__ = "0.1.0"

# The garbage collector's thresholds of a check and of the language server: the modules
# loaded at start-up are never garbage and an analysis allocates many short-lived objects
# (parse trees, caches), so the young generation is collected rarely and the old one more
# rarely still; full collections over them cost 4-15% of a check and showed as latency
# spikes while typing.
GC_THRESHOLD = (50_000, 50, 100)
