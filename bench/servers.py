"""The servers under test: how each one is started on the same app, W processes x T threads.

All of them serve HTTP on 127.0.0.1:<port>. The nginx rows put nginx on that port and
the app server on a Unix socket (uwsgi protocol) in the row's temp dir; nginx and the
app server are two process groups of the same row.
"""

import os
import signal
import time

UWSGI = "/usr/bin/uwsgi"
GUNICORN = "/usr/bin/gunicorn"
NGINX = "/usr/sbin/nginx"
PYTHON = "/usr/bin/python3"


class Server:
    def __init__(self, name, desc, app_cmd, nginx=False, stop_signal=signal.SIGTERM,
                 threads=True, static=False, static_only=False):
        self.name, self.desc = name, desc
        self.static = static          # can serve the static rows' directory (check-static)
        self.static_only = static_only  # a variant that only the static rows run
        self.app_cmd = app_cmd        # (ctx, bind) -> argv; bind is "host:port" or a socket path
        self.nginx = nginx
        self.stop_signal = stop_signal
        self.threads = threads        # False: the server cannot run T > 1 threads per process

    def start(self, tree, ctx):
        """Start the row's process groups; returns the Unix socket paths to verify later."""
        if not self.nginx:
            tree.start(self.name, self.app_cmd(ctx, "127.0.0.1:%d" % ctx.port),
                       ctx.env, ctx.app_dir, ctx.log)
            return []
        sock = os.path.join(ctx.tmp, "app.sock")
        app = tree.start(self.name + "-app", self.app_cmd(ctx, sock), ctx.env, ctx.app_dir, ctx.log)
        # nginx must not start before the socket exists, or its first requests get 502.
        end = time.monotonic() + ctx.start_timeout
        while not os.path.exists(sock):
            if not app.alive() or time.monotonic() > end:
                raise RuntimeError("app server never created %s (exit %s)" % (sock, app.popen.poll()))
            time.sleep(0.02)
        conf = write_nginx_conf(ctx.tmp, ctx.port, sock)
        tree.start(self.name + "-nginx",
                   [NGINX, "-p", ctx.tmp, "-c", conf, "-e", os.path.join(ctx.tmp, "error.log"),
                    "-g", "daemon off;"], ctx.env, ctx.tmp, ctx.log)
        return [sock]


def regent(ctx, bind):
    opt = "--http-socket" if ":" in bind else "--socket"
    argv = [ctx.regent_bin, opt, bind, "--processes", str(ctx.workers),
            "--threads", str(ctx.threads), "--chdir", ctx.app_dir, "--pythonpath", ctx.app_dir,
            "--module", ctx.app, "--python", PYTHON, "--listen", "1024", "--disable-logging"]
    if ctx.static_dir:
        argv += ["--check-static", ctx.static_dir]
    return argv


def uwsgi(mode, nodelay=False):
    def cmd(ctx, bind):
        argv = [UWSGI, "--plugin", "python3", "--master", "--processes", str(ctx.workers),
                "--chdir", ctx.app_dir, "--pythonpath", ctx.app_dir, "--module", ctx.app,
                "--need-app", "--listen", "1024", "--disable-logging",
                # uWSGI 2.0 treats SIGTERM as "brutal reload"; this makes it exit.
                "--die-on-term"]
        if ctx.threads > 1:  # at 1, leave uWSGI's thread support off, as users would
            argv += ["--threads", str(ctx.threads)]
        if mode == "http":
            # Plain --http-socket closes every connection without saying so, which wrk
            # counts as a read error per request; announcing it keeps errors meaningful.
            argv += ["--http-socket", bind, "--add-header", "Connection: close"]
        elif mode == "http11":
            argv += ["--http11-socket", bind]
        else:
            argv += ["--socket", bind, "--chmod-socket=660"]
        if ctx.static_dir:
            # Served by the worker itself (no offload-threads): uWSGI's default, as users run it.
            argv += ["--check-static", ctx.static_dir]
        if nodelay:
            argv += ["--tcp-nodelay"]
        return argv
    return cmd


def gunicorn(worker_class):
    def cmd(ctx, bind):
        threads = ctx.threads if worker_class == "gthread" else 1
        return [GUNICORN, "--worker-class", worker_class, "--workers", str(ctx.workers),
                "--threads", str(threads), "--bind", bind, "--backlog", "1024",
                "--chdir", ctx.app_dir, "--pythonpath", ctx.app_dir, ctx.app]
    return cmd


class NginxStatic(Server):
    """nginx alone serving the static rows' directory: the ceiling for check-static."""

    def __init__(self):
        super().__init__("nginx-static", "nginx serving the directory itself (sendfile)", None,
                         nginx=True, static=True, static_only=True)

    def start(self, tree, ctx):
        conf = write_nginx_conf(ctx.tmp, ctx.port, None, root=ctx.static_dir)
        tree.start(self.name, [NGINX, "-p", ctx.tmp, "-c", conf, "-e", os.path.join(ctx.tmp, "error.log"),
                               "-g", "daemon off;"], ctx.env, ctx.tmp, ctx.log)
        return []


def write_nginx_conf(tmp, port, sock, root=None):
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        os.makedirs(os.path.join(tmp, "nginx-" + d), exist_ok=True)
    # user root: the workers must reach the app socket in a root-owned temp dir.
    # Buffers are sized so 1 MiB request and response bodies never go to temp files.
    conf = """
user root;
worker_processes auto;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    keepalive_timeout 60;
    keepalive_requests 1000000;
    client_max_body_size 8m;
    client_body_buffer_size 2m;
    uwsgi_buffer_size 16k;
    uwsgi_buffers 136 16k;
    server {{
        listen 127.0.0.1:{port} backlog=1024;
        {location}
    }}
}}
"""
    if root:
        # nginx's usual static setup: sendfile, full packets, 1 worker per core ("auto").
        location = "location / { root %s; sendfile on; tcp_nopush on; }" % root
    else:
        location = "location / { include /etc/nginx/uwsgi_params; uwsgi_pass unix:%s; }" % sock
    conf = conf.format(tmp=tmp, port=port, location=location)
    path = os.path.join(tmp, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


SERVERS = {s.name: s for s in [
    Server("regent", "Regent --http-socket", regent, static=True),
    Server("uwsgi-http11", "uWSGI --http11-socket (keep-alive)", uwsgi("http11"), static=True),
    # Without TCP_NODELAY, uWSGI's keep-alive static answers (headers, then sendfile) wait
    # ~40 ms each for the client's delayed ACK; this variant shows uWSGI without that stall.
    Server("uwsgi-http11-nodelay", "uWSGI --http11-socket --tcp-nodelay", uwsgi("http11", nodelay=True),
           static=True, static_only=True),
    Server("uwsgi-http", "uWSGI --http-socket (closes each connection)", uwsgi("http"), static=True),
    Server("nginx-regent", "nginx -> Regent --socket (unix)", regent, nginx=True),
    Server("nginx-uwsgi", "nginx -> uWSGI --socket (unix)", uwsgi("uwsgi"), nginx=True),
    # gunicorn: SIGTERM is a graceful stop that first serves every queued request
    # (many seconds after the sleep scenario); SIGINT is its quick shutdown.
    Server("gunicorn-sync", "gunicorn sync worker", gunicorn("sync"),
           stop_signal=signal.SIGINT, threads=False),
    Server("gunicorn-gthread", "gunicorn gthread worker (keep-alive 2 s)", gunicorn("gthread"),
           stop_signal=signal.SIGINT),
    NginxStatic(),
]}

# Which row a Regent row is compared with in the ratio column.
REFERENCE = {"regent": "uwsgi-http11", "nginx-regent": "nginx-uwsgi"}
