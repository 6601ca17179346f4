"""Live updates: stream topics (topics.py), rendering and broadcasting streams (streams.py), the publisher
(publisher.py: Redis pub/sub), presence, where pages stream from (stream_url.py), and the gateway (gateway/):
the one process that holds the sockets. Imports no feature."""
