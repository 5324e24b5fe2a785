"""What every package may use: errors, secret redaction, time zones, TOML reading with
line numbers, the one atomic write behind both stores and the fact store's pickle storage.
Imports nothing of the bot.
"""
