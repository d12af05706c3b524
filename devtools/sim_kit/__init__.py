"""What the local simulators (Twilio, Telegram, PayPal, Wise) share: serving an aiohttp app from a
thread for the tests."""
