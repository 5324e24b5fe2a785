"""The fact store: facts derived from content, in TinyDB shards, with the views saved for the
next start. Imports the packages above it (base, language, content, extraction).
"""
