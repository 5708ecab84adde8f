"""The command line and the commands that are more than one call into the library."""
