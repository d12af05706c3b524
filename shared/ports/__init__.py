"""Ports: the small abstract interfaces the services need from the outside world."""
