"""Optional generated drafts from an OpenAI-compatible model endpoint ([drafts.llm]):
config, the HTTP client, the prompt and the guard every generated draft passes."""
