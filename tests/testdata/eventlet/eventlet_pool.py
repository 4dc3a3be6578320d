# The Python twin of scripts/eventlet_pool.star.
import eventlet
from eventlet import GreenPool, GreenPile


def slow_square(n):
    eventlet.sleep(0.002 * (5 - n % 5))
    return n * n

pool = GreenPool(3)
for n, sq in zip(range(8), pool.imap(slow_square, range(8))):
    print(n, "squared is", sq)

threads = [pool.spawn(slow_square, n) for n in [3, 4, 5]]
print("running", pool.running(), "free", pool.free())
print("results", [g.wait() for g in threads])
pool.waitall()
print("running", pool.running(), "free", pool.free())

def shout(w):
    eventlet.sleep(0.001 * len(w))
    return w.upper()

pile = GreenPile(pool)
for word in ["green", "threads", "in", "order"]:
    pile.spawn(shout, word)
print(" ".join(pile))

print("sums", list(pool.starmap(lambda a, b: a + b, [(1, 2), (3, 4), (5, 6)])))
