"""Daily "on this day" digests: subscriptions and their state store, composing a digest,
delivery at most once, the ``/digest`` command, a chat's requests with who may change its settings
(``chats.py``) and the scheduler (APScheduler). Imports every
package above it, never a platform.
"""
