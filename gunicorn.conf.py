"""gunicorn settings, read automatically when gunicorn starts in this folder.

The access log keeps the method, the path without its query string, the status, the size
and the time: a query string can hold a visitor's address or coordinates, which we do not
store, and the client's IP address is not logged either. `locator.logs.GunicornLogger` keeps
both out of every line gunicorn writes (its error log too) and escapes control characters."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
timeout = 30
accesslog = "-"
access_log_format = '"%(m)s %(U)s" %(s)s %(b)s %(L)ss'
logger_class = "locator.logs.GunicornLogger"
# gunicorn 27 opens a control socket at one path per user; we do not use it, and several
# servers on one machine (tests, benchmarks) would share it.
control_socket_disable = True

# Worker model: threads (gthread). The live chat keeps one Server-Sent Events response open
# per visitor's or coordinator's page; in gthread each open response holds one thread of
# its worker's pool, asleep on a threading.Event with no database connection, while idle
# keep-alive connections wait in the worker's poller and hold none. A stream sends a
# heartbeat every CHAT_HEARTBEAT_SECONDS and ends after CHAT_STREAM_SECONDS (the browser
# reconnects and resumes), and a process answers 503 past CHAT_STREAMS_PER_PROCESS open
# streams (the page polls instead), so threads are always left for ordinary pages: keep
# GUNICORN_THREADS above CHAT_STREAMS_PER_PROCESS (80). Sleeping threads cost memory
# (~100 KB each), not CPU. (gevent would also do, but needs monkey-patching that psycopg 3's
# C waits and the redis client would have to be checked against; threads need nothing.)
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 100))


def post_worker_init(worker):
    """On SIGTERM, end the chat's open streams at once (browsers reconnect, to a live
    worker, and resume after their last message) rather than hold up the graceful stop."""
    import signal
    import threading

    from locator.chat import live

    stop = worker.handle_exit

    def handle_exit(sig, frame):
        stop(sig, frame)
        threading.Thread(target=live.shutdown, daemon=True).start()

    worker.handle_exit = handle_exit
    signal.signal(signal.SIGTERM, handle_exit)

    # The gazetteer loaded and the loaded heap frozen out of the cycle collector's walks,
    # which otherwise stalled a worker ~0.2 s now and then (locator/heap.py).
    from locator import heap

    heap.settle_worker(worker.wsgi)
