"""Adapters that let other pipelines use dedup without leaving them (datatrove: `dedup.integrations.datatrove`)."""
