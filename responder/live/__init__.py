"""Live updates: one reader of the event stream per process, fanned out to every open page."""
