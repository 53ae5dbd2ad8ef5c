"""Tests of the rate-card engine: invariants (hypothesis), worked examples, and the card loader."""
