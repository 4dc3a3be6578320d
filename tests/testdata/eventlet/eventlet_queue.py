# The Python twin of scripts/eventlet_queue.star: the same program under
# python3-eventlet; tests/ports_test.go checks that both print the same.
import eventlet
from eventlet import queue
from eventlet.queue import Queue

q = Queue()

def consumer():
    while True:
        item = q.get()
        if item is None:
            break
        print("consumer got", item)
        q.task_done()
    print("consumer stopped")

c = eventlet.spawn(consumer)
for i in range(4):
    q.put("job-%d" % i)
q.join()
print("all jobs done")
q.put(None)
c.wait()

jobs = Queue(maxsize=2)
processed = []

def produce(name, n):
    for i in range(n):
        jobs.put("%s%d" % (name, i))

def work():
    while True:
        item = jobs.get()
        if item is None:
            return
        processed.append(item)
        jobs.task_done()

workers = [eventlet.spawn(work) for _ in range(2)]
producers = [eventlet.spawn(produce, name, 3) for name in ["a", "b", "c"]]
for p in producers:
    p.wait()
jobs.join()
print("processed", len(processed), "items:", ", ".join(sorted(processed)))
for _ in workers:
    jobs.put(None)
for w in workers:
    w.wait()

try:
    jobs.get(timeout=0.01)
except queue.Empty:
    print("empty after timeout:", True)
try:
    jobs.get_nowait()
except queue.Empty:
    print("empty at once:", True)
full = Queue(1)
full.put("x")
try:
    full.put("y", block=False)
except queue.Full:
    print("full:", True, full.qsize())
