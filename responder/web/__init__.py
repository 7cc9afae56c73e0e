"""HTTP: the JSON API, input validation, error middleware and the pages."""
