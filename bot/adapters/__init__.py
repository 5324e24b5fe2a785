"""Adapters: updates in from a platform, cards out to it."""
