"""Redis: key names, Lua scripts, stored records, the Store, and the embedded server."""
