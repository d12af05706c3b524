"""Domain core: pure business rules, no I/O (no firebase, stripe or twilio imports)."""
