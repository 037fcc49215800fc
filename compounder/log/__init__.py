"""The compounding log: the store (all SQL), label snapshots, and log entries."""
