"""Everything a person reads, one module per feature, and the one button schema."""
