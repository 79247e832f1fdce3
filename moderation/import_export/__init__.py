"""Moving comments in (Disqus, WordPress, Isso, our own export) and out (JSON lines)."""
