"""Children's data: what must never be stored, and (later) retention, access and erasure."""
