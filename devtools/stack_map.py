"""What `make dev` prints once the local stack is up: every port and every function's URL (or how
to fire it)."""

from __future__ import annotations

from devtools import ports


def describe() -> str:
    rows = [
        ("Functions emulator", f"http://{ports.HOST}:{ports.FUNCTIONS_PORT}"),
        ("Firestore emulator", f"{ports.HOST}:{ports.FIRESTORE_PORT}"),
        ("Auth emulator", f"http://{ports.HOST}:{ports.AUTH_PORT}"),
        ("Storage emulator", f"http://{ports.HOST}:{ports.STORAGE_PORT} (exports; local rules runtime)"),
        ("Cloud Tasks emulator", f"{ports.HOST}:{ports.TASKS_PORT}"),
        ("Emulator hub", f"http://{ports.HOST}:{ports.HUB_PORT}"),
        ("localstripe", f"http://{ports.HOST}:{ports.LOCALSTRIPE_PORT}"),
        ("Twilio simulator", f"http://{ports.HOST}:{ports.TWILIO_SIM_PORT} (control: /_sim/calls)"),
        ("Telegram simulator", f"http://{ports.HOST}:{ports.TELEGRAM_SIM_PORT} (control: /_control)"),
        ("PayPal Payouts simulator", f"http://{ports.HOST}:{ports.PAYPAL_SIM_PORT} (control: /_control)"),
        ("Wise simulator", f"http://{ports.HOST}:{ports.WISE_SIM_PORT} (control: /_control)"),
    ]
    from devtools.manifest import build_manifest

    for entry in build_manifest()["functions"]:
        label = f"{entry['codebase']} {entry['name']} ({entry['trigger'].split(':')[0]})"
        where = ports.function_url(entry["region"], entry["name"])
        if entry["trigger"] == "schedule":
            where = f"make cron NAME={entry['name']}"
        elif entry["trigger"].startswith("event"):
            where = "Firestore trigger"
        rows.append((label, where))
    width = max(len(label) for label, _ in rows)
    lines = [f"  {label.ljust(width)}  {where}" for label, where in rows]
    return "\n".join(["SOS-Expat local stack (project demo-sos-expat) is ready:", *lines])
