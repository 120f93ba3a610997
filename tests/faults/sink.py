"""A mail backend standing in for an SMTP server, shared by every process of a fault test.

For each message it writes ``inflight-<pid>-<token>`` (the SMTP conversation has begun), waits
``FAULT_SINK_DELAY`` seconds, then stores the message as ``sent-<pid>-<token>.eml`` in one
atomic rename (the server accepted it) and removes the in-flight marker. A process killed
before the rename leaves a marker and no message: the mail was not delivered. The test counts
the ``X-De-An-06-Key`` headers of the ``sent-*.eml`` files.

While a file ``hold`` exists in the folder and at least ``FAULT_SINK_HOLD_AFTER`` messages are
stored, a send stops after writing its marker until the file is removed: the test kills the
sender there, always before the server accepted the message, whatever the machine's load.
"""

import email
import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class SlowSinkBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        folder = Path(os.environ["FAULT_SINK_DIR"])
        delay = float(os.environ.get("FAULT_SINK_DELAY", "0"))
        hold_after = int(os.environ.get("FAULT_SINK_HOLD_AFTER", "0"))
        for message in email_messages:
            token = f"{os.getpid()}-{uuid.uuid4().hex}"
            marker = folder / f"inflight-{token}"
            marker.write_text(message.extra_headers.get("X-De-An-06-Key", ""))
            time.sleep(delay)
            while (folder / "hold").exists() and len(list(folder.glob("sent-*"))) >= hold_after:
                time.sleep(0.02)
            partial = folder / f"partial-{token}"
            partial.write_bytes(message.message().as_bytes())
            partial.rename(folder / f"sent-{token}.eml")
            marker.unlink()
        return len(email_messages)


def delivered(folder: Path) -> list[str]:
    """The dedupe keys of the messages stored in ``folder``, one per delivery (twice = a duplicate)."""
    return [email.message_from_bytes(path.read_bytes())["X-De-An-06-Key"] for path in folder.glob("sent-*.eml")]


def in_flight(folder: Path) -> list[Path]:
    return list(folder.glob("inflight-*"))


def sender_pid(marker: Path) -> int:
    return int(marker.name.split("-")[1])
