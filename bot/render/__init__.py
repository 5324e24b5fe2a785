"""Renderers: a core Card in, a platform's message format out."""
