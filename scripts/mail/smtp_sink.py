"""A real SMTP server for tests and local development: every message it receives is
parsed with Python's email package and written to a directory as one JSON file
(from, to, subject, text, html), so a test reads decoded bodies and follows the links.

    /usr/bin/python3 scripts/mail/smtp_sink.py --dir DIR [--host 127.0.0.1] [--port 0]

Prints "listening <port>" once it accepts connections (port 0 picks a free one).
Needs Debian's python3-aiosmtpd (scripts/lib.sh installs it).
"""
import argparse
import asyncio
import json
import os
import signal
import time
from email import policy
from email.parser import BytesParser

from aiosmtpd.smtp import SMTP


class DirectoryHandler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        msg = BytesParser(policy=policy.default).parsebytes(envelope.original_content or envelope.content)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "from": str(msg.get("From", "")),
            "to": str(msg.get("To", "")),
            "subject": str(msg.get("Subject", "")),
            "text": text.get_content() if text is not None else "",
            "html": html.get_content() if html is not None else "",
            "receivedAt": time.time(),
        }
        self.count += 1
        name = f"{time.time_ns()}-{os.getpid()}-{self.count}.json"
        tmp = os.path.join(self.directory, "." + name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(record, f, ensure_ascii=False)
        # Whole files only: a reader never sees half a message.
        os.replace(tmp, os.path.join(self.directory, name))
        return "250 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = DirectoryHandler(args.dir)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, hostname="campus-mail-sink"), args.host, args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"listening {port}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
