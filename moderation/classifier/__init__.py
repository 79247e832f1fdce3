"""A spam classifier that learns from this site's own decisions, on this machine: what it looks
at in a comment (features.py) and the naive Bayes over those features (model.py). No I/O here:
the store keeps the counts, in the transaction of each decision."""
