"""What every package may use: errors, secret redaction, time zones, TOML reading with
line numbers, the one atomic write behind both stores, the fact store's pickle storage and the
interface the core reports its metrics to.
Imports nothing of the bot.
"""
