"""A TCP relay on loopback whose way back can be shut: a Redis replica that replicates
through it stops receiving its master's writes on cue, while its own acknowledgements (of
what it already has) still flow, as over a link that stalls one way.

Bytes from the target that arrive while the valve is shut are held, not forwarded: sent
on when it opens again (replication resumes), dropped if the connection ends first (the
master was killed: a replica promoted then never had them).
"""

from __future__ import annotations

import contextlib
import socket
import threading


class Valve:
    """Relay connections from `port` to `target` (both on 127.0.0.1)."""

    def __init__(self, target: int) -> None:
        self.target = target
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._listener.getsockname()[1])
        self._open = threading.Event()
        self._open.set()
        self._stopped = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, name="valve", daemon=True).start()

    def shut(self) -> None:
        """Hold back, from now on, everything the target sends."""
        self._open.clear()

    def open(self) -> None:
        """Send on what was held back, and everything after it."""
        self._open.set()

    def stop(self) -> None:
        """Close every connection and the listener; what is held back is dropped."""
        self._stopped = True
        self._listener.close()
        with self._lock:
            for sock in self._sockets:
                _close(sock)
        self._open.set()  # wakes the held pumps: their sockets are closed, they end

    def _accept(self) -> None:
        while True:
            try:
                down, _ = self._listener.accept()
            except OSError:
                return  # stopped
            try:
                up = socket.create_connection(("127.0.0.1", self.target))
            except OSError:  # the target is down: so is this connection
                _close(down)
                continue
            with self._lock:
                self._sockets += [down, up]
            for source, sink, gated in ((down, up, False), (up, down, True)):
                pump = threading.Thread(
                    target=self._pump, args=(source, sink, gated), name="valve-pump", daemon=True
                )
                pump.start()

    def _pump(self, source: socket.socket, sink: socket.socket, gated: bool) -> None:
        try:
            while data := source.recv(65536):
                if gated:
                    self._open.wait()  # shut: hold what the target sent after it
                if self._stopped:
                    return
                sink.sendall(data)
        except OSError:
            pass  # one side went away
        finally:
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already shut down, or never connected
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
