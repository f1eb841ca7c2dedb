"""gunicorn settings, read from the environment so the same image fits every size of Pod."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# A request still running after `timeout` seconds gets its worker killed and replaced: no single
# request can hold a worker for longer (the slowest real request, the progress page of a heavy
# learner, takes well under a second).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = 2000  # recycle workers now and then (bounds any slow growth in memory)
max_requests_jitter = 200  # ...not all at once
# Request line and headers as gunicorn's defaults, written down: bodies are capped by Django.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
preload_app = True  # load Django once in the master: a recycled worker is a fork, not a boot
accesslog = "-"
errorlog = "-"
worker_tmp_dir = "/dev/shm"  # a writable tmpfs even with a read-only root filesystem


def when_ready(server):  # noqa: ANN001, ANN201 - gunicorn's server hook
    """In the master, before the first fork: read what every worker would otherwise read on its
    first requests (the questions in study, the templates, the URLs; studyapp/warmup.py), then
    freeze it all out of the garbage collector's reach (gc.freeze, as Python's documentation
    advises before fork): a worker's full collections then walk only the objects of its own
    requests, not the 200,000 it was born with (about 100 ms each, every few hundred answers),
    and leave the pages it shares with the master unwritten."""
    if not server.cfg.preload_app:
        return  # Django is loaded in each worker, not here
    import gc

    from studyapp.warmup import warm

    server.log.info("warmed before forking: %s", warm())
    gc.freeze()
