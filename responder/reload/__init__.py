"""Live config: a reload stores the new config.toml in Redis and every process applies it
(docs/config-reload.md)."""
