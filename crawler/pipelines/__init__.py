"""Item pipelines (the lead wires them in ITEM_PIPELINES)."""
