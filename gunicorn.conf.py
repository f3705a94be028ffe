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
