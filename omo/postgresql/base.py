"""Django's PostgreSQL backend, with a health check of a kept connection that costs no round trip.

With persistent connections (CONN_MAX_AGE) and CONN_HEALTH_CHECKS, Django checks a kept connection
before the first query of each request with `SELECT 1`: one more round trip to the database on
every request that queries it (a shopper's link open makes one query: the check doubled its
database work, bench/link_open.py). An idle connection receives nothing from the server unless the
server is ending it: a shutdown, a restart, `pg_terminate_backend` or `idle_session_timeout` send a
termination notice and close the socket, a pooler or the kernel closing it leaves it readable at
end of file. So an idle connection with something to read is closed (Django opens a new one), and
one with nothing is used as it is. A connection inside a transaction, or one that is not idle,
gets Django's own check. A connection lost without a word (a middlebox dropping it silently) fails
its next query, which `SELECT 1` would have met in the same way; Django closes it after that error.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            return super().is_usable()
        # poll, not select: select() refuses descriptors past 1024, which a busy process reaches.
        socket = select.poll()
        socket.register(connection.fileno(), select.POLLIN)
        return not socket.poll(0)  # readable, hung up or in error: the server ended it
