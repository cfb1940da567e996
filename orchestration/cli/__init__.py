"""The `fitelt` command line: a thin layer over the library."""
