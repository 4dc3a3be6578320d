"""The eventlet peer of BenchmarkSelectByPK (stdlib/db_pool/bench_test.go).

100 green threads on eventlet's db_pool.TpooledConnectionPool of 8 (every
DB-API call through eventlet.tpool), each query a SELECT by primary key
over 1000 rows, as the evscript side does: get, execute, fetchone, put
(which rolls back, as eventlet's pool does). With "autocommit" the
connections are in autocommit mode (psycopg2's conn.autocommit = True,
sqlite3's isolation_level=None): no BEGIN, and put's rollback does nothing
on the server. Prints one line:

    eventlet[-autocommit]-<driver> queries=N seconds=S qps=Q cpu_us_per_q=C

Usage (Debian's /usr/bin/python3, with python3-eventlet and python3-psycopg2):

    db_eventlet.py postgres DSN [QUERIES [autocommit]]
    db_eventlet.py sqlite PATH [QUERIES [autocommit]]
"""

import os
import resource
import sys
import time

import eventlet
from eventlet import db_pool

THREADS, POOL_SIZE, ROWS = 100, 8, 1000


def cpu():
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def main():
    driver, dsn = sys.argv[1], sys.argv[2]
    queries = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    autocommit = len(sys.argv) > 4 and sys.argv[4] == "autocommit"
    if driver == "postgres":
        import psycopg2

        class module:  # psycopg2, its connections in autocommit mode if asked
            @staticmethod
            def connect(*args, **kw):
                c = psycopg2.connect(*args, **kw)
                c.autocommit = autocommit
                return c
        ph = "%s"
        pool = db_pool.TpooledConnectionPool(module, max_size=POOL_SIZE, dsn=dsn)
    else:
        import sqlite3 as module
        ph = "?"
        extra = {"isolation_level": None} if autocommit else {}
        pool = db_pool.TpooledConnectionPool(module, max_size=POOL_SIZE, database=dsn,
                                             check_same_thread=False, timeout=5, **extra)
    conn = pool.get()
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS bench_kv_py")
    cur.execute("CREATE TABLE bench_kv_py (id INTEGER PRIMARY KEY, v TEXT)")
    cur.executemany("INSERT INTO bench_kv_py (id, v) VALUES (%s, %s)" % (ph, ph),
                    [(i, "value %d" % i) for i in range(ROWS)])
    conn.commit()
    pool.put(conn)
    query = "SELECT v FROM bench_kv_py WHERE id = " + ph
    per = queries // THREADS + 1

    def worker(w):
        for i in range(per):
            c = pool.get()
            cur = c.cursor()
            cur.execute(query, ((w * 7919 + i) % ROWS,))
            if cur.fetchone() is None:
                raise RuntimeError("no row")
            pool.put(c)

    t0, c0 = time.monotonic(), cpu()
    gp = eventlet.GreenPool(THREADS)
    for w in range(THREADS):
        gp.spawn(worker, w)
    gp.waitall()
    wall, used = time.monotonic() - t0, cpu() - c0
    n = per * THREADS
    print("eventlet%s-%s queries=%d seconds=%.2f qps=%.0f cpu_us_per_q=%.1f"
          % ("-autocommit" if autocommit else "", driver, n, wall, n / wall, used * 1e6 / n))
    sys.stdout.flush()
    os._exit(0)  # tpool's threads


main()
