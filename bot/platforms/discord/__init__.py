"""Discord through discord.py: the adapter (slash commands) and its embed renderer.
"""
