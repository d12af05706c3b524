"""SMS: messages are recorded, then go queued -> sent -> delivered."""

from __future__ import annotations

import asyncio

from devtools.twilio_sim.clock import VirtualClock
from devtools.twilio_sim.models import API_VERSION, EventLog, Message, new_sid
from devtools.twilio_sim.webhooks import Callback, Webhooks

SEND_SECONDS = 1.0
DELIVERY_SECONDS = 2.0


class MessageCenter:
    def __init__(self, clock: VirtualClock, webhooks: Webhooks, account_sid: str) -> None:
        self.clock = clock
        self.webhooks = webhooks
        self.account_sid = account_sid
        self.messages: dict[str, Message] = {}

    async def reset(self) -> None:
        tasks = [m.task for m in self.messages.values() if m.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.messages.clear()

    def send(
        self,
        to: str,
        body: str,
        from_: str | None,
        messaging_service_sid: str | None,
        status_callback: str | None,
    ) -> Message:
        now = self.clock.now()
        msg = Message(
            sid=new_sid("SM"),
            account_sid=self.account_sid,
            to=to,
            from_=from_,
            messaging_service_sid=messaging_service_sid,
            body=body,
            log=EventLog(self.clock),
            created_at=now,
            updated_at=now,
            status="accepted" if messaging_service_sid and not from_ else "queued",
            status_callback=status_callback,
        )
        msg.log.add("created", to=to, body=body)
        self.messages[msg.sid] = msg
        msg.task = asyncio.get_running_loop().create_task(self._deliver(msg))
        return msg

    async def _deliver(self, msg: Message) -> None:
        if msg.status == "accepted":
            msg.status = "queued"
            self._status(msg)
        await self.clock.sleep(SEND_SECONDS)
        msg.sent_at = self.clock.now()
        msg.status = "sent"
        self._status(msg)
        await self.clock.sleep(DELIVERY_SECONDS)
        msg.status = "delivered"
        self._status(msg)
        self.webhooks.flush(msg.sid)

    def _status(self, msg: Message) -> None:
        msg.updated_at = self.clock.now()
        msg.log.add("status", status=msg.status)
        if not msg.status_callback:
            return
        params = {
            "AccountSid": msg.account_sid,
            "ApiVersion": API_VERSION,
            "MessageSid": msg.sid,
            "MessageStatus": msg.status,
            "SmsSid": msg.sid,
            "SmsStatus": msg.status,
            "To": msg.to,
        }
        if msg.from_:
            params["From"] = msg.from_
        if msg.messaging_service_sid:
            params["MessagingServiceSid"] = msg.messaging_service_sid
        self.webhooks.callback(
            Callback(
                owner=msg.sid,
                kind="message",
                event=msg.status,
                url=msg.status_callback,
                method="POST",
                params=params,
                logs=[msg.log],
            )
        )
