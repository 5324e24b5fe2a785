"""Daily "on this day" digests: subscriptions and their state store, composing a digest,
delivery at most once, the ``/digest`` command and the scheduler (APScheduler). Imports every
package above it, never a platform.
"""
