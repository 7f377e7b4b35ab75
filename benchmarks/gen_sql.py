"""Generate realistic SQL files of a given size for the benchmarks.

A mix of formatted multi-line statements: DDL, indexes created safely, joins,
CTEs, updates with WHERE, and a small share (about one statement in twelve) of
the problems the rules look for.
"""

from __future__ import annotations

import random

CLEAN = [
    """CREATE TABLE IF NOT EXISTS {t} (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id),
    name        text NOT NULL,
    status      text NOT NULL DEFAULT 'active',
    metadata    jsonb NOT NULL DEFAULT '{{}}'::jsonb,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);""",
    """SELECT o.id,
       o.account_id,
       o.status,
       sum(li.amount_cents) AS total_cents
  FROM {t} o
  JOIN line_items li ON li.order_id = o.id
 WHERE o.account_id = $1
   AND o.created_at >= $2
 GROUP BY o.id, o.account_id, o.status
 ORDER BY o.created_at DESC, o.id DESC
 LIMIT 50;""",
    """WITH recent AS (
    SELECT id, account_id
      FROM {t}
     WHERE updated_at > now() - interval '7 days'
)
SELECT a.id, a.email, count(r.id) AS recent_count
  FROM accounts a
  LEFT JOIN recent r ON r.account_id = a.id
 GROUP BY a.id, a.email
 ORDER BY recent_count DESC, a.id;""",
    """UPDATE {t}
   SET status = 'archived',
       updated_at = now()
 WHERE status = 'inactive'
   AND updated_at < now() - interval '1 year';""",
    """INSERT INTO {t} (account_id, name, status)
VALUES ($1, $2, 'active')
RETURNING id, created_at;""",
    """-- keep the feed query fast
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_{t}_account_created
    ON {t} (account_id, created_at DESC);""",
    """DELETE FROM {t}
 WHERE status = 'deleted'
   AND updated_at < now() - interval '30 days';""",
]

FLAWED = [
    "CREATE INDEX idx_{t}_status ON {t} (status);",
    "SELECT * FROM {t} WHERE account_id = $1;",
    "SELECT id, name FROM {t} WHERE name LIKE '%' || $1 || '%' ORDER BY id LIMIT 20;",
    "SELECT id FROM {t} WHERE account_id NOT IN (SELECT id FROM banned_accounts);",
    "ALTER TABLE {t} ADD CONSTRAINT {t}_account_fkey FOREIGN KEY (account_id) REFERENCES accounts (id);",
    "SELECT id, name FROM {t} LIMIT 20 OFFSET $1;",
]


def generate(lines: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    out: list[str] = []
    count = 0
    i = 0
    while count < lines:
        table = f"t_{seed}_{i}"  # every statement distinct: no cache can help
        stmt = (rng.choice(FLAWED) if i % 12 == 11 else rng.choice(CLEAN)).format(t=table)
        out.append(stmt)
        out.append("")
        count += stmt.count("\n") + 2
        i += 1
    return "\n".join(out)


if __name__ == "__main__":
    import sys

    print(generate(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
