"""A tiny in-memory store standing in for the database."""


class Store:
    def __init__(self):
        self.tables = {}

    def get(self, table, id):
        return self.tables.get(table, {}).get(id)

    def find(self, table, **where):
        return [r for r in self.tables.get(table, {}).values() if all(r.get(k) == v for k, v in where.items())]

    def insert(self, table, row):
        rows = self.tables.setdefault(table, {})
        row = dict(row, id=len(rows) + 1)
        rows[row["id"]] = row
        return row


db = Store()
