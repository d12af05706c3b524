"""Local-stack tooling: emulator launchers, local Stripe and Twilio, seed data, manifest."""
