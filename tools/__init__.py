"""Developer tools: fixture generators (each docstring says what it generates and from what)
and the corpus locator shared by the tools and the benchmarks; never imported at run time."""
