"""The stream gateway: its own asyncio process holding the pages' /turbo-stream sockets.

A web process (gunicorn gthread) would spend one thread per open socket, so a few dozen open dashboards
would take it down. The gateway holds thousands of sockets in one event loop instead: it is the only socket
server, and the web processes hold none (pages find it through STREAM_URL, app/live/stream_url.py):

- server.py  the websockets server: the handshake (Origin), /healthz, /metrics, one task per socket;
- auth.py    who is behind a socket (the Flask session cookie) and which topics they may receive
             (app.live.topics.can_receive), run in worker threads because it reads the database;
- hub.py     per-topic subscriber sets; each message written to every socket at once, with a bounded
             send buffer per socket: a slow or dead client is dropped, never delaying the others;
- relay.py   the one Redis subscriber (app/live/publisher.py's CHANNEL), presence (app/live/presence.py), and the
             periodic re-check of every socket's session and topics;
- metrics.py its own Prometheus registry.

`flask --app wsgi gateway` runs it (app/cli/gateway.py).
"""
