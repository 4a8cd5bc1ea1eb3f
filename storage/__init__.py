"""SQLite storage: schema, migrations, repositories and work queues. No business rules."""
