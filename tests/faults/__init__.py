"""The fault campaign of issue #5: kill -9, injected write errors, concurrency, read-only, damage."""
