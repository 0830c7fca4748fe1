"""The employer behind the product: its identity, and the texts candidates read in its name."""
