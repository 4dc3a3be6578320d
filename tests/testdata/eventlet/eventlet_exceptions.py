# The Python twin of scripts/eventlet_exceptions.star.
import eventlet
import greenlet


def parse_port(text):
    if not text.isdigit():
        raise ValueError("not a port: " + text)
    port = int(text)
    if port > 65535:
        raise RuntimeError("port out of range: %d" % port)
    return port

for text in ["8080", "http", "70000"]:
    try:
        print("port", parse_port(text))
    except (ValueError, RuntimeError) as e:
        print("bad input:", type(e).__name__, "-", e)
    else:
        print("parsed", text)
    finally:
        print("checked", text)

def inner():
    try:
        raise RuntimeError("deep")
    except ValueError:
        return "wrong handler"
try:
    inner()
except RuntimeError as e:
    print("outer caught: " + str(e))

closed = eventlet.listen(("127.0.0.1", 0))
port = closed.getsockname()[1]
closed.close()
try:
    eventlet.connect(("127.0.0.1", port))
except ConnectionRefusedError as e:
    print("refused:", isinstance(e, OSError))

def failing():
    eventlet.sleep(0)
    raise ValueError("failed in a green thread")
g = eventlet.spawn(failing)
try:
    g.wait()
except ValueError as e:
    print("wait raised:", e)

def sleeper():
    try:
        eventlet.sleep(10)
    except Exception:
        print("never printed")
g = eventlet.spawn(sleeper)
eventlet.sleep(0)
g.kill()
try:
    g.wait()
except greenlet.GreenletExit as e:
    print("killed thread:", type(e).__name__)
print("dead:", g.dead)
