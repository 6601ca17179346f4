"""gunicorn settings for the `web` process; everything a second instance changes comes from the environment."""
import os

bind = f"{os.environ.get('WEB_HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gthread spends one thread per open WebSocket (each dashboard tab holds one).
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "64"))
timeout = 120
graceful_timeout = 5
reload = os.environ.get("APP_ENV", "development") == "development"
control_socket_disable = True  # gunicorn 27 would otherwise open a socket under ~/.gunicorn
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG") else None


def child_exit(server, worker):
    """Multiprocess metrics (PROMETHEUS_MULTIPROC_DIR): a dead web worker's live gauges stop counting."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
