"""The console chat and the plain-text renderer (also used by the command line)."""
