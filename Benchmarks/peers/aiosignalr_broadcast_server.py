"""The peer of the emulator benchmark: an aiosignalr (PyPI) hub server whose `broadcast` hub
method sends what it receives to every client. Usage: aiosignalr_broadcast_server.py PORT.
Prints "ready" once listening on 127.0.0.1."""
import sys

from aiohttp import web
from aiosignalr.server import Hub, SignalRServer
from aiosignalr.server.aiohttp_server import build_aiohttp_app


class BenchHub(Hub):
    async def broadcast(self, sequence, payload):
        await self.clients.all_.send("bench", sequence, payload)


def main() -> None:
    app = build_aiohttp_app(SignalRServer(BenchHub), path="/hub")
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=lambda *_: print("ready", flush=True), access_log=None)


if __name__ == "__main__":
    main()
