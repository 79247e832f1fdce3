"""What a health clinic must be careful with in what readers and the site write: personal details,
a crisis, the clinic's own voice."""
