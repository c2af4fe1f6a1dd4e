#!/usr/bin/env python3
"""Writes N order events of about 400 bytes, one JSON document per line (deterministic)."""
import json
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
rng = random.Random(7)
currencies = ["EUR", "EUR", "EUR", "USD", "GBP"]
skus = ["book-ddia", "book-kafka", "kbd-mech", "mouse-pro", "usb-c-hub", "monitor-27", "desk-lamp", "mug"]
out = sys.stdout
for i in range(n):
    items = [{"sku": rng.choice(skus), "qty": rng.randint(1, 3), "price": round(rng.uniform(5, 600), 2)}
             for _ in range(rng.randint(1, 3))]
    doc = {
        "order_id": f"o-{i:08d}",
        "customer_id": f"c-{rng.randint(1, 100000):06d}",
        "amount": round(sum(it["qty"] * it["price"] for it in items), 2),
        "currency": rng.choice(currencies),
        "items": items,
        "status": "PLACED" if rng.random() > 0.1 else "CANCELLED",
        "channel": rng.choice(["web", "app", "store"]),
        "created_at": f"2026-11-{1 + i % 25:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}.000Z",
    }
    line = json.dumps(doc, separators=(",", ":"))
    pad = 400 - len(line) - len(',"note":""')
    if pad > 0:
        doc["note"] = "x" * pad
        line = json.dumps(doc, separators=(",", ":"))
    out.write(line + "\n")
