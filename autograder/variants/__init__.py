"""The variant data (``*.toml`` here): correct and typical wrong answers per graded function, and
the names of mistakes read from them."""
