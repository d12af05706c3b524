"""Adapters: one thin module per provider, implementing the ports."""
