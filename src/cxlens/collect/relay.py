"""One process owns the writer: the web workers of ``cxlens serve --workers N`` relay answers to it.

With several worker processes, each with a writer of its own, the writers would take
turns on the store's lock, and each would wait for the others' commits. Instead the
serving process (the one that starts the workers) runs a :class:`RelayServer` on a
Unix socket in a private directory; each worker's :class:`RelayClient` sends it the
answers as they come, and it stores them with its own writer, so the answers of all
workers share its commits. A worker replies to its request once the relay's reply
says the answer is committed.

The protocol is one JSON object per line. A request carries ``id`` (the worker's
number for it) and the answer: ``token`` or ``survey_id``, ``scores``, ``comment``,
``language``, ``ip`` and ``part``. The reply carries the same ``id`` and either
``submission_id``, ``case_id``, ``survey_id``, ``complete`` and ``new_case``, or ``error`` (``link``, ``answer``,
``refused`` or ``internal``) with what the matching exception needs.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import selectors
import shutil
import socket
import tempfile
import threading
from concurrent.futures import Future
from contextlib import suppress
from pathlib import Path
from typing import Any, cast

from cxlens.collect.answers import WHOLE, AnswerError, LinkError
from cxlens.collect.service import Collector, Submitted
from cxlens.errors import CxlensError

log = logging.getLogger("cxlens.collect")

#: where the workers find the relay (set by ``cxlens serve`` for its workers)
ENV_RELAY = "CXLENS_ANSWER_RELAY"


class RelayUnavailable(ConnectionError):
    """The relay cannot be reached (before anything was sent to it)."""


def _reply(request_id: int, future: Future[Submitted]) -> dict[str, Any]:
    try:
        done = future.result()
    except LinkError as exc:
        return {"id": request_id, "error": "link", "reason": exc.reason, "language": exc.language}
    except AnswerError as exc:
        return {"id": request_id, "error": "answer", "message": str(exc), "field": exc.field}
    except CxlensError as exc:
        return {"id": request_id, "error": "refused", "message": str(exc)}
    except Exception:
        log.exception("a relayed answer failed")
        return {"id": request_id, "error": "internal"}
    return {
        "id": request_id,
        "submission_id": done.submission_id,
        "case_id": done.case_id,
        "survey_id": done.survey_id,
        "complete": done.complete,
        "new_case": done.new_case,
    }


class _Peer:
    """One worker's connection: requests in, replies out (those of a batch sent together)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.buffer = b""
        self._lock = threading.Lock()
        self._replies: list[bytes] = []

    def reply(self, message: dict[str, Any]) -> None:
        """Keep a reply for the next :meth:`send`."""
        data = json.dumps(message, separators=(",", ":")).encode() + b"\n"
        with self._lock:
            self._replies.append(data)

    def send(self) -> None:
        """Send the replies kept so far, in one write."""
        with self._lock:
            data, self._replies = b"".join(self._replies), []
            if data:
                # if the worker is gone, so are the requests that waited for these
                with suppress(OSError):
                    self.sock.sendall(data)


class RelayServer:
    """Stores the answers that the workers relay, with this process's writer."""

    def __init__(self, collector: Collector):
        self.collector = collector
        self._dir = Path(tempfile.mkdtemp(prefix="cxlens-relay-"))  # only this user can enter
        self.path = self._dir / "answers.sock"
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(self.path))
        self._listener.listen(64)
        self._listener.setblocking(False)
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._serve, name="cxlens-relay", daemon=True)
        self._peers: set[_Peer] = set()
        # the replies of a batch go out once all of its answers are settled
        collector.writer.after_batch(self._send_replies)

    def _send_replies(self) -> None:
        for peer in list(self._peers):
            peer.send()

    def start(self) -> RelayServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.collector.writer.drop_after_batch(self._send_replies)
        os.write(self._stop_w, b"x")
        self._thread.join(timeout=5)
        self._listener.close()
        shutil.rmtree(self._dir, ignore_errors=True)

    def _serve(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._listener, selectors.EVENT_READ)
        selector.register(self._stop_r, selectors.EVENT_READ)
        while True:
            for key, _ in selector.select():
                if key.fileobj == self._stop_r:
                    return
                if key.fileobj is self._listener:
                    sock, _ = self._listener.accept()
                    sock.setblocking(True)
                    peer = _Peer(sock)
                    self._peers.add(peer)
                    selector.register(sock, selectors.EVENT_READ, peer)
                    continue
                peer = key.data
                data = peer.sock.recv(1 << 16)
                if not data:
                    selector.unregister(peer.sock)
                    self._peers.discard(peer)
                    peer.sock.close()
                    continue
                *lines, peer.buffer = (peer.buffer + data).split(b"\n")
                for line in lines:
                    self._take(peer, line)
                peer.send()  # the replies to requests refused before they were queued

    def _take(self, peer: _Peer, line: bytes) -> None:
        try:
            request = json.loads(line)
            request_id = int(request["id"])
        except (ValueError, KeyError, TypeError):
            log.error("the answer relay got a malformed request")
            return
        try:
            future = self.collector.submit_answer(
                request.get("token"), request.get("survey_id"), dict(request.get("scores") or {}),
                request.get("comment"), str(request.get("language") or "en"), request.get("ip"),
                str(request.get("part") or WHOLE),
            )  # fmt: skip
        except Exception as exc:  # refused before it was queued (a malformed link)
            future = Future()
            future.set_exception(exc)
        future.add_done_callback(lambda f: peer.reply(_reply(request_id, f)))


class RelayClient(asyncio.Protocol):
    """A worker's side: sends answers to the relay and waits for their commits (on the event loop)."""

    def __init__(self, path: str):
        self.path = path
        self._transport: asyncio.Transport | None = None
        self._connecting: asyncio.Lock | None = None
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next = 0
        self._buffer = b""
        self._outbox: list[bytes] = []

    async def submit(
        self,
        token: str | None,
        survey_id: str | None,
        scores: dict[str, Any],
        comment: str | None,
        language: str,
        ip: str | None,
        part: str = WHOLE,
    ) -> Submitted:
        """Store an answer through the relay; raises what :meth:`Collector.submit_answer` would.

        :class:`RelayUnavailable` when the relay cannot be reached: nothing was sent.
        """
        try:
            transport = await self._connected()
        except OSError as exc:
            raise RelayUnavailable(str(exc)) from exc
        loop = asyncio.get_running_loop()
        self._next += 1
        request_id = self._next
        waiter: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._pending[request_id] = waiter
        message = {
            "id": request_id, "token": token, "survey_id": survey_id, "scores": scores,
            "comment": comment, "language": language, "ip": ip, "part": part,
        }  # fmt: skip
        if not self._outbox:  # the requests of this turn of the event loop go in one write
            loop.call_soon(self._send, transport)
        self._outbox.append(json.dumps(message, separators=(",", ":")).encode() + b"\n")
        try:
            reply = await waiter
        finally:
            self._pending.pop(request_id, None)
        error = reply.get("error")
        if error == "link":
            raise LinkError(str(reply["reason"]), reply.get("language"))
        if error == "answer":
            raise AnswerError(str(reply["message"]), str(reply["field"]))
        if error == "refused":
            raise CxlensError(str(reply["message"]))
        if error:
            raise RuntimeError("the answer relay could not store the answer")
        return Submitted(
            str(reply["submission_id"]), reply["case_id"], str(reply["survey_id"]),
            reply.get("complete", True) is not False, bool(reply.get("new_case")),
        )  # fmt: skip

    def _send(self, transport: asyncio.Transport) -> None:
        data, self._outbox = b"".join(self._outbox), []
        transport.write(data)

    async def _connected(self) -> asyncio.Transport:
        if self._transport is not None:
            return self._transport
        if self._connecting is None:
            self._connecting = asyncio.Lock()
        async with self._connecting:
            if self._transport is None:
                loop = asyncio.get_running_loop()
                transport, _ = await loop.create_unix_connection(lambda: self, self.path)
                self._transport = transport
        return self._transport

    # -- asyncio.Protocol ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not subclasses of asyncio's, though they do the same
        self._transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        *lines, self._buffer = (self._buffer + data).split(b"\n")
        for line in lines:
            reply = json.loads(line)
            waiter = self._pending.get(int(reply["id"]))
            if waiter is not None and not waiter.done():
                waiter.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        self._buffer = b""
        self._outbox = []
        for waiter in self._pending.values():
            if not waiter.done():
                waiter.set_exception(ConnectionError("the answer relay went away"))
