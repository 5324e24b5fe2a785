"""What every package may use: errors, secret redaction, time zones, TOML reading with
line numbers, and the pickle storage behind both stores. Imports nothing of the bot.
"""
