"""Performance harness for ``make bench`` (see bench/README.md and docs/performance.md)."""
