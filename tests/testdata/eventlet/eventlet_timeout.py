# The Python twin of scripts/eventlet_timeout.star.
import eventlet
from eventlet import Timeout


def slow_operation():
    eventlet.sleep(0.2)
    return "finished"

def fast_operation():
    eventlet.sleep(0.001)
    return "finished quickly"

t = Timeout(0.02)
try:
    slow_operation()
except Timeout as e:
    if e is not t:
        raise
    print("timed out after", e)
finally:
    t.cancel()

t = Timeout(1)
try:
    print(fast_operation())
except Timeout as e:
    print("timed out after", e)
finally:
    t.cancel()
print("pending after cancel:", t.pending)

t = Timeout(0.02, ValueError("too slow"))
try:
    slow_operation()
except ValueError as e:
    print("caught", type(e).__name__, e)
t.cancel()

print(eventlet.with_timeout(1, fast_operation))
print(eventlet.with_timeout(0.02, slow_operation, timeout_value="gave up"))
try:
    eventlet.with_timeout(0.02, slow_operation)
except Timeout as e:
    print("with_timeout raised", type(e).__name__)

with Timeout(0.02, False):
    slow_operation()
print("silent timeout passed")

def other():
    t = Timeout(0.01)
    try:
        slow_operation()
    except Timeout as e:
        return "other thread: " + str(e)
g = eventlet.spawn(other)
print(g.wait())
print("main unaffected")
