"""The lead's reports: rollups kept up from the event stream, and the figures read from them."""
