"""engine.connect: what links paths to people and systems outside the diagram.

- `external_tasks`: work done by workers outside the app (fetch and lock, complete, failure, bpmnError).
- `messages`: messages and signals correlated to waiting paths, and message starts.
- `waits`: what a path waits for from outside, kept in tables as the path is stored.
- `arrivals`: waking long-polling workers when external tasks become fetchable.
- `webhooks`: other systems told about path events with signed JSON.
- `notifications`: the outbox of messages to people (the bell and email).
"""
