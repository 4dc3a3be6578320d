# The seed's Listing 1 (the chat server) in Python 3 with eventlet, for
# comparison: python3 tests/load/peers/chat_eventlet.py [PORT]
# (eventlet.api is gone from modern eventlet; listen and spawn replace
# api.tcp_listener and api.spawn, and Python 3's files need a flush.)
import sys

import eventlet

participants = []


def read_chat_forever(writer, reader):
    line = reader.readline()
    while line:
        print("Chat:", line.strip(), flush=True)
        for p in participants:
            if p is not writer:  # Don't echo
                p.write(line)
                p.flush()
        line = reader.readline()
    participants.remove(writer)
    print("Participant left chat.", flush=True)


port = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
try:
    server = eventlet.listen(("0.0.0.0", port))
    print("ChatServer starting up on port %d" % server.getsockname()[1], flush=True)
    while True:
        new_connection, address = server.accept()
        print("Participant joined chat.", flush=True)
        new_writer = new_connection.makefile("w")
        participants.append(new_writer)
        eventlet.spawn(read_chat_forever, new_writer, new_connection.makefile("r"))
except KeyboardInterrupt:
    print("\nChatServer exiting.")
